"""The catalogue of known skeletons: which joint of each common rig is which anatomical point.

A `RigProfile` names, for every anatomical role of `sources.rigmap.ROLES`, the rig joint that plays
it (candidates in order; the first one the file has wins). Names are compared normalised: the part
after the last `:` or `|` (Mixamo's `mixamorig:`, Maya namespaces), lower case, letters and digits
only (`upper_arm.L` -> `upperarml`, `Bip001 L Thigh` -> `bip001lthigh`). A candidate may end in

- `>`: the point is the end of that joint's segment (its first child, else its End Site), for rigs
  without the joint itself (a rig whose forearm ends in an End Site has no wrist joint);
- `~`: the middle of that joint's segment: a head joint sits at the base of the skull, and the
  middle of the head segment is about where SMPL's head joint is.

A profile matches a file when every required role finds a joint and every `markers` name is present.
`match_profile` tries the profiles in catalogue order; the first match maps the file (docs/datasets.md,
"Supported rigs"; add a rig by adding a profile here and a test in tests/unit/test_rigs.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OPTIONAL_ROLES: frozenset[str] = frozenset(
    {"left_foot", "right_foot", "spine1", "spine2", "spine3", "left_collar", "right_collar"}
)


def normalize(name: str) -> str:
    """`mixamorig:LeftUpLeg` -> `leftupleg` (see the module docstring)."""
    return re.sub(r"[^a-z0-9]", "", re.split(r"[:|]", name)[-1].lower())


@dataclass(frozen=True)
class RigProfile:
    """One known skeleton (see the module docstring).

    Attributes:
        name: the `--rig` name, also written to each clip's meta `rig`.
        title: who uses it, for the docs and the report.
        roles: anatomical role -> candidate joint names (with an optional `>` / `~` suffix).
        markers: names that must all be present (tell apart rigs that share their limb names).
        prefix: a namespace every joint carries (`mixamorig`), required when set.
    """

    name: str
    title: str
    roles: dict[str, tuple[str, ...]]
    markers: tuple[str, ...] = ()
    prefix: str = ""
    max_joints: int = 0  # > 0: only rigs with at most this many joints (LAFAN1's exact 22)


def _sided(template: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Expand `{side}` / `{S}` / `{s}` in role names and candidates into left and right."""
    out: dict[str, tuple[str, ...]] = {}
    for role, names in template.items():
        if "{side}" not in role:
            out[role] = names
            continue
        for side, cap, letter in (("left", "Left", "L"), ("right", "Right", "R")):
            out[role.format(side=side)] = tuple(
                n.format(side=side, S=cap, s=letter, l=letter.lower()) for n in names
            )
    return out


def _profile(name: str, title: str, roles: dict[str, tuple[str, ...]], **kw) -> RigProfile:
    return RigProfile(name, title, _sided(roles), **kw)


# MotionBuilder / HumanIK limb names, shared by CMU's BVH conversions, Mixamo, LAFAN1 and SFU.
_MOBU = {
    "pelvis": ("Hips",),
    "{side}_hip": ("{S}UpLeg",),
    "{side}_knee": ("{S}Leg",),
    "{side}_ankle": ("{S}Foot",),
    "{side}_foot": ("{S}ToeBase", "{S}Toe"),
    "{side}_shoulder": ("{S}Arm",),
    "{side}_elbow": ("{S}ForeArm",),
    "{side}_wrist": ("{S}Hand",),
    "neck": ("Neck",),
    "head": ("Head~",),
}
# Biovision-style names (Xsens MVN's BVH export, 100STYLE, MocapBank): Shoulder is the arm joint.
_BIOVISION = {
    "pelvis": ("Hips",),
    "{side}_hip": ("{S}Hip", "{S}UpLeg"),
    "{side}_knee": ("{S}Knee",),
    "{side}_ankle": ("{S}Ankle",),
    "{side}_foot": ("{S}Toe", "{S}ToeBase"),
    "{side}_shoulder": ("{S}Shoulder",),
    "{side}_elbow": ("{S}Elbow",),
    "{side}_wrist": ("{S}Wrist",),
    "neck": ("Neck",),
    "head": ("Head~",),
}

PROFILES: tuple[RigProfile, ...] = (
    _profile(
        "smpl",
        "SMPL-named rigs (SMPL / SMPL-H / SMPL-X exports: Pelvis, L_Hip, left_knee, ...)",
        {
            "pelvis": ("Pelvis",),
            "{side}_hip": ("{side}_hip", "{s}_Hip"),
            "{side}_knee": ("{side}_knee", "{s}_Knee"),
            "{side}_ankle": ("{side}_ankle", "{s}_Ankle"),
            "{side}_foot": ("{side}_foot", "{s}_Foot"),
            "spine1": ("spine1",),
            "spine2": ("spine2",),
            "spine3": ("spine3",),
            "{side}_collar": ("{side}_collar", "{s}_Collar"),
            "{side}_shoulder": ("{side}_shoulder", "{s}_Shoulder"),
            "{side}_elbow": ("{side}_elbow", "{s}_Elbow"),
            "{side}_wrist": ("{side}_wrist", "{s}_Wrist"),
            "neck": ("Neck",),
            "head": ("Head",),
        },
        markers=("spine3",),
    ),
    _profile(
        "cmu",
        "CMU motion capture database: cgspeed / Hahne BVH conversions (LHipJoint, LowerBack, ...)",
        _MOBU,
        markers=("LowerBack",),
    ),
    _profile(
        "cmu_asf",
        "CMU ASF/AMC originals (lfemur, ltibia, lhumerus, lradius, lowerneck, ...)",
        {
            "pelvis": ("root",),
            "{side}_hip": ("{l}femur",),
            "{side}_knee": ("{l}tibia",),
            "{side}_ankle": ("{l}foot",),
            "{side}_foot": ("{l}toes",),
            "{side}_shoulder": ("{l}humerus",),
            "{side}_elbow": ("{l}radius",),
            "{side}_wrist": ("{l}wrist",),
            "neck": ("lowerneck",),
            "head": ("head~",),
        },
    ),
    _profile("mixamo", "Mixamo (mixamorig: prefix; fingers are ignored)", _MOBU, prefix="mixamorig"),
    _profile(
        "lafan1",
        "Ubisoft LAFAN1 (22 joints, LeftToe, Spine2)",
        _MOBU,
        markers=("LeftToe", "RightToe", "Spine2"),
        max_joints=22,
    ),
    _profile(
        "humanik",
        "MotionBuilder HumanIK / FBX names (SFU, Truebones FBX exports, game rigs; Roll bones ignored)",
        _MOBU,
    ),
    _profile(
        "100style",
        "Xsens MVN BVH export, as in 100STYLE (Chest, Chest2, Chest3, ..., LeftCollar; LeftShoulder = arm)",
        _BIOVISION,
        markers=("Chest", "Chest2", "Chest3", "LeftCollar"),
    ),
    _profile(
        "biovision",
        "Biovision-style names (Hips, Chest, LeftCollar, LeftShoulder, LeftHip; MocapBank and others)",
        _BIOVISION,
    ),
    _profile(
        "xsens_mvn",
        "Xsens MVN segment names (Pelvis, L5, L3, T12, T8, RightUpperLeg, ...)",
        {
            "pelvis": ("Pelvis",),
            "{side}_hip": ("{S}UpperLeg",),
            "{side}_knee": ("{S}LowerLeg",),
            "{side}_ankle": ("{S}Foot",),
            "{side}_foot": ("{S}Toe",),
            "{side}_shoulder": ("{S}UpperArm",),
            "{side}_elbow": ("{S}ForeArm",),
            "{side}_wrist": ("{S}Hand",),
            "neck": ("Neck",),
            "head": ("Head~",),
        },
        markers=("L5", "T8"),
    ),
    _profile(
        "bandai_namco",
        "Bandai-Namco Research Motion dataset (UpperLeg_L, LowerArm_R, ...)",
        {
            "pelvis": ("Hips",),
            "{side}_hip": ("UpperLeg_{s}",),
            "{side}_knee": ("LowerLeg_{s}",),
            "{side}_ankle": ("Foot_{s}",),
            "{side}_foot": ("Toes_{s}",),
            "{side}_shoulder": ("UpperArm_{s}",),
            "{side}_elbow": ("LowerArm_{s}",),
            "{side}_wrist": ("Hand_{s}",),
            "neck": ("Neck",),
            "head": ("Head~",),
        },
    ),
    _profile(
        "rokoko",
        "Rokoko Studio (LeftThigh, LeftShin, LeftToe, Spine1..4)",
        {
            "pelvis": ("Hips",),
            "{side}_hip": ("{S}Thigh",),
            "{side}_knee": ("{S}Shin",),
            "{side}_ankle": ("{S}Foot",),
            "{side}_foot": ("{S}Toe",),
            "{side}_shoulder": ("{S}Arm",),
            "{side}_elbow": ("{S}ForeArm",),
            "{side}_wrist": ("{S}Hand",),
            "neck": ("Neck",),
            "head": ("Head~",),
        },
    ),
    _profile(
        "biped",
        "3ds Max Biped (Bip01 / Bip001 names: Truebones packs and other game libraries)",
        {
            "pelvis": ("Bip01 Pelvis", "Bip001 Pelvis"),
            "{side}_hip": ("Bip01 {s} Thigh", "Bip001 {s} Thigh"),
            "{side}_knee": ("Bip01 {s} Calf", "Bip001 {s} Calf"),
            "{side}_ankle": ("Bip01 {s} Foot", "Bip001 {s} Foot"),
            "{side}_foot": ("Bip01 {s} Toe0", "Bip001 {s} Toe0"),
            "{side}_shoulder": ("Bip01 {s} UpperArm", "Bip001 {s} UpperArm"),
            "{side}_elbow": ("Bip01 {s} Forearm", "Bip001 {s} Forearm"),
            "{side}_wrist": ("Bip01 {s} Hand", "Bip001 {s} Hand"),
            "neck": ("Bip01 Neck", "Bip001 Neck"),
            "head": ("Bip01 Head~", "Bip001 Head~"),
        },
    ),
    _profile(
        "blender",
        "Blender / Rigify metarig names (thigh.L, shin.L, upper_arm.L, forearm.L; hand optional)",
        {
            "pelvis": ("pelvis", "spine"),
            "{side}_hip": ("thigh.{s}",),
            "{side}_knee": ("shin.{s}",),
            "{side}_ankle": ("foot.{s}",),
            "{side}_foot": ("toe.{s}",),
            "{side}_shoulder": ("upper_arm.{s}",),
            "{side}_elbow": ("forearm.{s}",),
            "{side}_wrist": ("hand.{s}", "forearm.{s}>"),
            "neck": ("neck", "spine.004"),
            "head": ("head~", "face~", "spine.006~"),
        },
    ),
)
PROFILE_INDEX: dict[str, RigProfile] = {p.name: p for p in PROFILES}
# `--rig` values besides the profiles: the generic name rules and the topology fallback.
GENERIC_MAPPINGS: tuple[str, ...] = ("names", "topology")


def rig_choices() -> list[str]:
    """Every valid `--rig` value."""
    return [*PROFILE_INDEX, *GENERIC_MAPPINGS]


def resolve(profile: RigProfile, names: list[str]) -> dict[str, tuple[int, str]] | None:
    """Role -> (joint index, "joint" / "end" / "mid") for a file's joint names, or None if it does not match.

    Optional roles (`OPTIONAL_ROLES`) are left out when the file lacks them.
    """
    if profile.max_joints and len(names) > profile.max_joints:
        return None
    if profile.prefix and not all(re.split(r"[:|]", n)[0].lower() == profile.prefix for n in names):
        return None
    index: dict[str, int] = {}
    for j, n in enumerate(names):
        index.setdefault(normalize(n), j)
    if not all(normalize(m) in index for m in profile.markers):
        return None
    out: dict[str, tuple[int, str]] = {}
    for role, candidates in profile.roles.items():
        for cand in candidates:
            at = {">": "end", "~": "mid"}.get(cand[-1], "joint")
            key = normalize(cand.rstrip(">~"))
            if key in index:
                out[role] = (index[key], at)
                break
        else:
            if role not in OPTIONAL_ROLES:
                return None
    return out


def match_profile(names: list[str]) -> tuple[RigProfile, dict[str, tuple[int, str]]] | None:
    """The first catalogue profile that matches the joint names, with its resolved roles."""
    for profile in PROFILES:
        roles = resolve(profile, names)
        if roles is not None:
            return profile, roles
    return None
