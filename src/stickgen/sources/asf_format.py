"""The Acclaim ASF/AMC format (the CMU database): a strict parser and forward kinematics.

An `.asf` file defines the skeleton: `:units` (a `length` multiplier: lengths are inches times it,
so CMU's `length 0.45` makes one unit 1/0.45 inch; `angle deg|rad`), the `:root` (`order` of its six
channels, `axis` of its frame), `:bonedata` (per bone: unit `direction` and `length` in the rest
pose, in world axes; `axis ax ay az ORDER`, the orientation of the bone's local frame; `dof`, the
rotations the motion file gives) and the `:hierarchy` (parent -> children lines). An `.amc` file
gives, per frame, a frame number line and one `bone value...` line per bone with dofs.

Forward kinematics (per bone b with parent p): C = the Euler rotation of `axis` (applied in its
listed order, so `XYZ` is Rz @ Ry @ Rx), M = the Euler rotation of the frame's dof values (applied in
`dof` order), local L = C @ M @ C^-1, world W_b = W_p @ L, and the bone runs from the end of p to
end_p + W_b @ (direction * length). The root's W is C_root @ M_root @ C_root^-1 and it sits at its
translation. Joint positions are bone starts (where each bone rotates), as in BVH.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stickgen.core.rotations import euler_to_matrix
from stickgen.sources.base import SourceError

ROTATION_DOFS = ("rx", "ry", "rz")
OTHER_DOFS = ("tx", "ty", "tz", "l")
INCH_M = 0.0254


@dataclass
class AsfBone:
    name: str
    direction: np.ndarray  # (3,) unit vector, rest pose, world axes
    length: float
    axis: np.ndarray  # (3,) degrees
    axis_order: str
    dofs: tuple[str, ...] = ()


@dataclass
class AsfSkeleton:
    """Bones in topological order (parents first); index 0 is the root (length 0)."""

    bones: list[AsfBone]
    parents: list[int]
    root_order: tuple[str, ...]
    root_axis_order: str
    root_position: np.ndarray
    root_orientation: np.ndarray
    length_unit_m: float
    degrees: bool
    index: dict[str, int] = field(default_factory=dict)


def _euler(angles: np.ndarray, order: str, degrees: bool) -> np.ndarray:
    """Rotation (..., 3, 3) applying the axes of `order` one after the other (extrinsic)."""
    angles = np.asarray(angles, dtype=np.float64)
    return euler_to_matrix(np.deg2rad(angles) if degrees else angles, order, extrinsic=True)


def _floats(tokens: list[str], where: str) -> np.ndarray:
    try:
        values = np.array([float(t) for t in tokens])
    except ValueError:
        raise SourceError(f"{where}: expected numbers, got {' '.join(tokens)!r}") from None
    if not np.isfinite(values).all():
        raise SourceError(f"{where}: non-finite number in {' '.join(tokens)!r}")
    return values


def _sections(text: str) -> dict[str, list[list[str]]]:
    """`:keyword` sections -> their lines as token lists (comments dropped)."""
    out: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith(":"):
            parts = line[1:].split()
            if not parts:
                raise SourceError("an empty ':' section keyword")
            current = out.setdefault(parts[0].lower(), [])
            if len(parts) > 1:
                current.append(parts[1:])
            continue
        if current is None:
            raise SourceError(f"text before the first ':' section: {line[:40]!r}")
        current.append(line.split())
    return out


def parse_asf(text: str, label: str) -> AsfSkeleton:
    """Parse an `.asf` skeleton; `SourceError` (naming `label`) for anything malformed."""
    try:
        sec = _sections(text)
    except SourceError as exc:
        raise SourceError(f"{label}: {exc}") from None
    for key in ("root", "bonedata", "hierarchy"):
        if key not in sec:
            raise SourceError(f"{label}: no :{key} section (not an ASF skeleton, or truncated)")
    length_mult, degrees = 1.0, True
    for parts in sec.get("units", []):
        if len(parts) >= 2 and parts[0].lower() == "length":
            length_mult = float(_floats(parts[1:2], f"{label}: units length")[0])
        elif len(parts) >= 2 and parts[0].lower() == "angle":
            degrees = parts[1].lower().startswith("deg")
    if not length_mult > 0:
        raise SourceError(f"{label}: units length must be > 0, got {length_mult}")
    root = {p[0].lower(): p[1:] for p in sec["root"] if p}
    order = tuple(t.lower() for t in root.get("order", ["TX", "TY", "TZ", "RX", "RY", "RZ"]))
    if sorted(order) != sorted(("tx", "ty", "tz", "rx", "ry", "rz")):
        raise SourceError(f"{label}: root order must list TX TY TZ RX RY RZ, got {order}")
    root_axis = (root.get("axis") or ["XYZ"])[0].upper()
    position = _floats(root.get("position", ["0", "0", "0"])[:3], f"{label}: root position")
    orientation = _floats(root.get("orientation", ["0", "0", "0"])[:3], f"{label}: root orientation")
    bones = [AsfBone("root", np.zeros(3), 0.0, orientation, root_axis)]
    current: dict[str, list[str]] | None = None
    for parts in sec["bonedata"]:
        key = parts[0].lower()
        if key == "begin":
            current = {}
        elif key == "end":
            if current is None:
                raise SourceError(f"{label}: 'end' without 'begin' in :bonedata")
            bones.append(_bone(current, label, degrees))
            current = None
        elif current is not None:
            current[key] = parts[1:]
        elif key != "limits" and not key.startswith("("):
            raise SourceError(f"{label}: {parts[0]!r} outside a bone block")
    if current is not None:
        raise SourceError(f"{label}: :bonedata ends inside a bone block (truncated)")
    names = [b.name for b in bones]
    if len(set(names)) != len(names):
        raise SourceError(f"{label}: repeated bone names")
    index = {n: i for i, n in enumerate(names)}
    parent_of: dict[str, str] = {}
    for parts in sec["hierarchy"]:
        if parts[0].lower() in ("begin", "end"):
            continue
        for child in parts[1:]:
            if parts[0] not in index or child not in index:
                raise SourceError(f"{label}: hierarchy names an unknown bone in {' '.join(parts)!r}")
            if child in parent_of or child == "root":
                raise SourceError(f"{label}: bone {child} has two parents")
            parent_of[child] = parts[0]
    orphans = [n for n in names[1:] if n not in parent_of]
    if orphans:
        raise SourceError(f"{label}: bones outside the hierarchy: {orphans[:5]}")
    ordered, seen = ["root"], {"root"}
    while len(ordered) < len(names):  # topological order: parents first
        added = [n for n in names if n not in seen and parent_of[n] in seen]
        if not added:
            raise SourceError(f"{label}: the hierarchy has a cycle")
        ordered += added
        seen.update(added)
    bones = [bones[index[n]] for n in ordered]
    parents = [-1] + [ordered.index(parent_of[n]) for n in ordered[1:]]
    skel = AsfSkeleton(bones, parents, order, root_axis, position, orientation, INCH_M / length_mult, degrees)
    skel.index = {b.name: i for i, b in enumerate(bones)}
    return skel


def _bone(fields: dict[str, list[str]], label: str, degrees: bool) -> AsfBone:
    name = (fields.get("name") or [""])[0]
    if not name:
        raise SourceError(f"{label}: a bone without a name")
    where = f"{label}: bone {name}"
    direction = _floats(fields.get("direction", [])[:3], f"{where} direction")
    length = _floats(fields.get("length", [])[:1], f"{where} length")
    axis_tokens = fields.get("axis", [])
    if direction.shape != (3,) or length.shape != (1,) or len(axis_tokens) < 4:
        raise SourceError(f"{where}: needs direction (3), length and axis (3 + order)")
    axis = _floats(axis_tokens[:3], f"{where} axis")
    axis_order = axis_tokens[3].upper()
    if sorted(axis_order) != ["X", "Y", "Z"]:
        raise SourceError(f"{where}: bad axis order {axis_order!r}")
    norm = float(np.linalg.norm(direction))
    if not (norm > 0 and length[0] >= 0):
        raise SourceError(f"{where}: zero direction or negative length")
    dofs = tuple(t.lower() for t in fields.get("dof", []))
    bad = [d for d in dofs if d not in ROTATION_DOFS + OTHER_DOFS]
    if bad or len(set(dofs)) != len(dofs):
        raise SourceError(f"{where}: unsupported dof {dofs}")
    return AsfBone(name, direction / norm, float(length[0]), axis, axis_order, dofs)


def _wanted(skel: AsfSkeleton) -> dict[str, int]:
    """Bones a frame must animate -> their number of values."""
    wanted = {b.name: (6 if b.name == "root" else len(b.dofs)) for b in skel.bones}
    return {k: v for k, v in wanted.items() if v}


def _parse_amc_regular(text: str, skel: AsfSkeleton) -> dict[str, np.ndarray] | None:
    """The fast path for the usual file: every frame lists the same bones in the same order.

    Returns None when the file is not that regular (the line parser then checks it and says why).
    """
    body = [ln for ln in text.splitlines() if ln.strip() and ln.lstrip()[0] not in "#:"]
    tokens = " ".join(body).split()
    wanted = _wanted(skel)
    layout: list[tuple[str, int]] = []
    pos = 1
    while pos < len(tokens) and tokens[pos] in wanted and len(layout) < len(wanted):
        layout.append((tokens[pos], wanted[tokens[pos]]))
        pos += 1 + wanted[tokens[pos]]
    width = pos
    if not tokens or sorted(n for n, _ in layout) != sorted(wanted) or len(tokens) % width:
        return None
    table = np.array(tokens, dtype=object).reshape(-1, width)
    col = 1
    out: dict[str, np.ndarray] = {}
    try:
        numbers = table[:, 0].astype(np.int64)
        if not np.array_equal(numbers, numbers[0] + np.arange(len(numbers))):
            return None
        for name, count in layout:
            if not (table[:, col] == name).all():
                return None
            out[name] = table[:, col + 1 : col + 1 + count].astype(np.float64)
            col += 1 + count
    except ValueError:
        return None
    if not all(np.isfinite(v).all() for v in out.values()):
        return None
    return out


def parse_amc(text: str, skel: AsfSkeleton, label: str) -> dict[str, np.ndarray]:
    """Parse an `.amc` motion against its skeleton: {bone name: (F, n_dofs) values}.

    Every frame must give every bone with dofs once (and the root's six values); frames are numbered
    consecutively from the first.
    """
    regular = _parse_amc_regular(text, skel)
    if regular is not None:
        return regular
    wanted = _wanted(skel)
    rows: dict[str, list[list[str]]] = {k: [] for k in wanted}
    frame_no: int | None = None
    seen: set[str] = set()
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#:":
            continue
        parts = line.split()
        if len(parts) == 1 and parts[0].isdigit():
            number = int(parts[0])
            if frame_no is not None:
                _check_frame(seen, wanted, frame_no, label)
                if number != frame_no + 1:
                    raise SourceError(f"{label}: frame {number} follows frame {frame_no}")
            frame_no = number
            seen = set()
            continue
        if frame_no is None:
            raise SourceError(f"{label}: motion data before the first frame number: {line[:40]!r}")
        name = parts[0]
        if name not in wanted:
            raise SourceError(
                f"{label}: frame {frame_no} animates {name!r}, which the skeleton lacks or fixes"
            )
        if name in seen:
            raise SourceError(f"{label}: frame {frame_no} gives {name} twice")
        if len(parts) - 1 != wanted[name]:
            raise SourceError(
                f"{label}: frame {frame_no}: {name} needs {wanted[name]} values, got {len(parts) - 1}"
            )
        seen.add(name)
        rows[name].append(parts[1:])
    if frame_no is None:
        raise SourceError(f"{label}: no frames (empty or not an AMC file)")
    _check_frame(seen, wanted, frame_no, label)
    out = {}
    for name, values in rows.items():
        try:
            arr = np.array(values, dtype=np.float64)
        except ValueError:
            raise SourceError(f"{label}: a value of {name} is not a number") from None
        if not np.isfinite(arr).all():
            raise SourceError(f"{label}: {name} has NaN or infinite values")
        out[name] = arr
    return out


def _check_frame(seen: set[str], wanted: dict[str, int], frame_no: int, label: str) -> None:
    missing = sorted(set(wanted) - seen)
    if missing:
        raise SourceError(f"{label}: frame {frame_no} lacks {missing[:4]} (truncated or corrupt)")


def forward_kinematics(skel: AsfSkeleton, motion: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Bone start and end positions (F, B, 3) in ASF units (see the module docstring)."""
    root = motion["root"]
    f = root.shape[0]
    b = len(skel.bones)
    start = np.empty((f, b, 3))
    end = np.empty((f, b, 3))
    world = np.empty((f, b, 3, 3))
    cols = {c: k for k, c in enumerate(skel.root_order)}
    root_rot_order = "".join(c[1] for c in skel.root_order if c.startswith("r"))
    angles = np.stack([root[:, cols[f"r{a}"]] for a in root_rot_order], axis=-1)
    c_root = _euler(skel.root_orientation, skel.root_axis_order, skel.degrees)
    world[:, 0] = c_root @ _euler(angles, root_rot_order, skel.degrees) @ c_root.T
    start[:, 0] = np.stack([root[:, cols[f"t{a}"]] for a in "xyz"], axis=-1) + skel.root_position
    end[:, 0] = start[:, 0]
    for k in range(1, b):
        bone, p = skel.bones[k], skel.parents[k]
        c = _euler(bone.axis, bone.axis_order, skel.degrees)
        rot_dofs = [d for d in bone.dofs if d in ROTATION_DOFS]
        if rot_dofs:
            values = motion[bone.name]
            ang = np.stack([values[:, bone.dofs.index(d)] for d in rot_dofs], axis=-1)
            local = c @ _euler(ang, "".join(d[1] for d in rot_dofs), skel.degrees) @ c.T
            world[:, k] = world[:, p] @ local
        else:
            world[:, k] = world[:, p]
        start[:, k] = end[:, p]
        end[:, k] = start[:, k] + world[:, k] @ (bone.direction * bone.length)
    return start, end
