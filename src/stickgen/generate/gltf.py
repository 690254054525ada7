"""glTF binary (.glb) of a motion: per actor a skinned stick figure on the BVH's armature (docs/inference.md,
"glTF").

    save_glb(motion, "wave.glb")      # every actor in one file, one node tree each

The format is small enough to write with `struct` and `json` (glTF 2.0: a 12-byte header, a JSON chunk, a
binary chunk). What the file holds:

- **Armature**, per actor: a node `actor<k>` holding the 22 joint nodes (SMPL names, the SMPL tree). The
  rest pose is the BVH's (`stickgen.generate.bvh.rest_offsets`: a T-pose with the clip's median bone
  lengths, facing +Z), standing on the floor: each joint node's translation is its rest offset and its
  rotation the identity. glTF's axes are the canonical ones (Y up, metres, the front at +Z), so nothing is
  converted.
- **Animation** `motion`: one keyframe per frame at `frame / fps` seconds (LINEAR), every joint's local
  rotation (the BVH's solve, `bvh.solve`: all child directions, limb twist from the hierarchy) and the
  pelvis's translation. Quaternions keep the sign of the previous frame's, so interpolation takes the
  short way. The animation lasts `(frames - 1) / fps` seconds.
- **Mesh**, per actor: a six-sided tube along each bone (the renderer's line width) and a low-poly head
  (its head radius), in the actor's colour, every vertex skinned to one joint (a bone's tube to the bone's
  parent joint, which carries it exactly from one joint to the next).

The joints read back (node hierarchy + animation samplers) equal the motion's to float precision when its
bones are rigid, as generated motion's are (`skeleton.rigid_bones`); bone-length changes, which rotations
cannot express, are absorbed as in the BVH.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import numpy as np

from stickgen import __version__
from stickgen.core.atomic import atomic_write_bytes
from stickgen.core.rotations import matrix_to_quat
from stickgen.core.skeleton import JOINT_NAMES, NUM_JOINTS, PARENTS
from stickgen.generate.bvh import CHILDREN, local_rotations, rest_offsets, solve
from stickgen.generate.motion import Motion
from stickgen.generate.render import HEAD, HEAD_RADIUS_M, LINE_WIDTH_M, PALETTE

GLB_MAGIC, GLB_VERSION = b"glTF", 2
CHUNK_JSON, CHUNK_BIN = 0x4E4F534A, 0x004E4942
FLOAT, UNSIGNED_BYTE, UNSIGNED_SHORT, UNSIGNED_INT = 5126, 5121, 5123, 5125
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963
TYPES = {1: "SCALAR", 3: "VEC3", 4: "VEC4", 16: "MAT4"}
TUBE_SIDES = 6


class _Binary:
    """The binary chunk under construction: buffer views and accessors, each view 4-byte aligned."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.views: list[dict] = []
        self.accessors: list[dict] = []

    def add(self, array: np.ndarray, component: int, target: int | None = None, bounds: bool = False) -> int:
        """Append `array` (N, width) or (N,) as one accessor; returns its index."""
        dtype = {FLOAT: "<f4", UNSIGNED_BYTE: "u1", UNSIGNED_SHORT: "<u2", UNSIGNED_INT: "<u4"}[component]
        a = np.ascontiguousarray(array, dtype=dtype)
        width = 1 if a.ndim == 1 else a.shape[1]
        self.data += b"\0" * (-len(self.data) % 4)
        view = {"buffer": 0, "byteOffset": len(self.data), "byteLength": a.nbytes}
        if target is not None:
            view["target"] = target
        self.data += a.tobytes()
        self.views.append(view)
        accessor = {
            "bufferView": len(self.views) - 1,
            "componentType": component,
            "count": int(a.shape[0]),
            "type": TYPES[width],
        }
        if bounds:  # required for positions and animation inputs
            flat = a.reshape(len(a), -1).astype(np.float64)
            accessor["min"], accessor["max"] = flat.min(0).tolist(), flat.max(0).tolist()
        self.accessors.append(accessor)
        return len(self.accessors) - 1


def _tube(a: np.ndarray, b: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """A closed six-sided tube from a to b: vertices (12, 3), triangles (20, 3)."""
    axis = b - a
    axis = axis / max(float(np.linalg.norm(axis)), 1e-9)
    side = np.cross(axis, [0.0, 1.0, 0.0] if abs(axis[1]) < 0.9 else [1.0, 0.0, 0.0])
    side /= np.linalg.norm(side)
    up = np.cross(axis, side)
    ang = 2 * np.pi * np.arange(TUBE_SIDES) / TUBE_SIDES
    ring = radius * (np.cos(ang)[:, None] * side + np.sin(ang)[:, None] * up)  # (6, 3)
    verts = np.concatenate([a + ring, b + ring])
    n = TUBE_SIDES
    tris = []
    for i in range(n):
        j = (i + 1) % n
        tris += [(i, j, n + j), (i, n + j, n + i)]
    for i in range(1, n - 1):  # the end caps as fans
        tris += [(0, i + 1, i), (n, n + i, n + i + 1)]
    return verts, np.array(tris)


def _sphere(
    centre: np.ndarray, radius: float, rings: int = 5, segments: int = 8
) -> tuple[np.ndarray, np.ndarray]:
    """A low-poly UV sphere: vertices, triangles."""
    verts = [centre + [0.0, radius, 0.0]]
    for r in range(1, rings):
        polar = np.pi * r / rings
        for s in range(segments):
            az = 2 * np.pi * s / segments
            verts.append(
                centre
                + radius * np.array([np.sin(polar) * np.cos(az), np.cos(polar), np.sin(polar) * np.sin(az)])
            )
    verts.append(centre - [0.0, radius, 0.0])
    bottom = len(verts) - 1
    ring = lambda r, s: 1 + (r - 1) * segments + s % segments  # noqa: E731
    tris = [(0, ring(1, s + 1), ring(1, s)) for s in range(segments)]
    for r in range(1, rings - 1):
        for s in range(segments):
            tris += [
                (ring(r, s), ring(r, s + 1), ring(r + 1, s + 1)),
                (ring(r, s), ring(r + 1, s + 1), ring(r + 1, s)),
            ]
    tris += [(bottom, ring(rings - 1, s), ring(rings - 1, s + 1)) for s in range(segments)]
    return np.array(verts), np.array(tris)


def figure_mesh(rest: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stick figure around rest joints (22, 3): vertices (V, 3), triangles (F, 3), each vertex's joint."""
    parts = [(_tube(rest[PARENTS[c]], rest[c], LINE_WIDTH_M / 2), PARENTS[c]) for c in range(1, NUM_JOINTS)]
    parts.append((_sphere(rest[HEAD], HEAD_RADIUS_M), HEAD))
    verts, tris, joint = [], [], []
    base = 0
    for (v, f), j in parts:
        verts.append(v)
        tris.append(f + base)
        joint.append(np.full(len(v), j))
        base += len(v)
    return np.concatenate(verts), np.concatenate(tris), np.concatenate(joint)


def _continuous(q: np.ndarray) -> np.ndarray:
    """Quaternions (T, ..., 4) with each frame's sign flipped to agree with the previous frame's."""
    q = q.copy()
    for t in range(1, len(q)):
        flip = np.sum(q[t] * q[t - 1], axis=-1) < 0.0
        q[t][flip] *= -1.0
    return q


def _linear_rgb(hex_colour: str) -> list[float]:
    """sRGB '#rrggbb' -> glTF's linear baseColorFactor (RGBA)."""
    c = np.array([int(hex_colour[i : i + 2], 16) / 255.0 for i in (1, 3, 5)])
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return [*np.round(lin, 5).tolist(), 1.0]


def _add_figure(doc: dict, bin_: _Binary, a: int, rest: np.ndarray, joint_nodes: list[int]) -> None:
    """Actor `a`'s skinned stick-figure mesh: its material, mesh, skin (bound in the T-pose `rest`) and the
    node that places it."""
    ibm = np.broadcast_to(np.eye(4), (NUM_JOINTS, 4, 4)).copy()
    ibm[:, :3, 3] = -rest  # the bind pose: the T-pose, every joint unrotated
    verts, tris, owner = figure_mesh(rest)
    skin_joints = np.zeros((len(verts), 4), dtype=np.uint8)
    skin_joints[:, 0] = owner
    weights = np.zeros((len(verts), 4))
    weights[:, 0] = 1.0
    attributes = {
        "POSITION": bin_.add(verts, FLOAT, ARRAY_BUFFER, bounds=True),
        "JOINTS_0": bin_.add(skin_joints, UNSIGNED_BYTE, ARRAY_BUFFER),
        "WEIGHTS_0": bin_.add(weights, FLOAT, ARRAY_BUFFER),
    }
    indices = bin_.add(tris.reshape(-1), UNSIGNED_SHORT, ELEMENT_ARRAY_BUFFER)
    doc["materials"].append(
        {
            "name": f"actor{a}",
            "pbrMetallicRoughness": {
                "baseColorFactor": _linear_rgb(PALETTE[a % len(PALETTE)]),
                "metallicFactor": 0.0,
                "roughnessFactor": 0.8,
            },
        }
    )
    primitive = {"attributes": attributes, "indices": indices, "material": len(doc["materials"]) - 1}
    doc["meshes"].append({"name": f"actor{a}_figure", "primitives": [primitive]})
    doc["skins"].append(
        {
            "name": f"actor{a}",
            "joints": joint_nodes,
            "skeleton": joint_nodes[0],
            # column-major 4x4 matrices, as glTF stores them
            "inverseBindMatrices": bin_.add(np.swapaxes(ibm, 1, 2).reshape(NUM_JOINTS, 16), FLOAT),
        }
    )
    doc["nodes"].append(
        {"name": f"actor{a}_figure", "mesh": len(doc["meshes"]) - 1, "skin": len(doc["skins"]) - 1}
    )


def gltf_document(motion: Motion) -> tuple[dict, bytes]:
    """The glTF JSON document and its binary buffer for `motion` (see the module docstring)."""
    t = motion.frames
    bin_ = _Binary()
    times = bin_.add(np.arange(t) / motion.fps, FLOAT, bounds=True)
    nodes: list[dict] = []
    doc: dict = {
        "asset": {"version": "2.0", "generator": f"stickgen {__version__}"},
        "scene": 0,
        "scenes": [{"name": motion.prompt or "stickgen motion", "nodes": []}],
        "nodes": nodes,
        "meshes": [],
        "materials": [],
        "skins": [],
        "animations": [{"name": "motion", "samplers": [], "channels": []}],
        "extras": {"prompt": motion.prompt, "fps": motion.fps, "frames": t, "actors": motion.actors},
    }
    anim = doc["animations"][0]

    def animate(node: int, path: str, values: np.ndarray) -> None:
        anim["samplers"].append(
            {"input": times, "output": bin_.add(values, FLOAT), "interpolation": "LINEAR"}
        )
        anim["channels"].append(
            {"sampler": len(anim["samplers"]) - 1, "target": {"node": node, "path": path}}
        )

    for a in range(motion.actors):
        joints = motion.joints[:, a].astype(np.float64)
        offsets = rest_offsets(joints)
        local = local_rotations(solve(joints, offsets))  # (T, 22, 3, 3)
        rest = np.zeros((NUM_JOINTS, 3))  # rest joints, pelvis at the origin
        for c in range(1, NUM_JOINTS):
            rest[c] = rest[PARENTS[c]] + offsets[c]
        rest += [0.0, -rest[:, 1].min(), 0.0]  # the T-pose stands on the floor
        first = len(nodes)
        nodes.append({"name": f"actor{a}", "children": [first + 1]})
        for j in range(NUM_JOINTS):
            node = {"name": JOINT_NAMES[j], "translation": (rest[0] if j == 0 else offsets[j]).tolist()}
            if CHILDREN[j]:
                node["children"] = [first + 1 + c for c in CHILDREN[j]]
            nodes.append(node)
        joint_nodes = list(range(first + 1, first + 1 + NUM_JOINTS))
        quats = _continuous(matrix_to_quat(local))[..., [1, 2, 3, 0]]  # (T, 22, 4) as glTF's (x, y, z, w)
        for j in range(NUM_JOINTS):
            animate(joint_nodes[j], "rotation", quats[:, j])
        animate(joint_nodes[0], "translation", joints[:, 0])
        _add_figure(doc, bin_, a, rest, joint_nodes)
        doc["scenes"][0]["nodes"] += [first, len(nodes) - 1]
    doc["accessors"], doc["bufferViews"] = bin_.accessors, bin_.views
    data = bytes(bin_.data) + b"\0" * (-len(bin_.data) % 4)
    doc["buffers"] = [{"byteLength": len(data)}]
    return doc, data


def glb_bytes(motion: Motion) -> bytes:
    """The `.glb` file of `motion`: header, JSON chunk (space-padded), binary chunk (zero-padded)."""
    doc, data = gltf_document(motion)
    text = json.dumps(doc, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 4)
    total = 12 + 8 + len(text) + 8 + len(data)
    return b"".join(
        [
            GLB_MAGIC + struct.pack("<II", GLB_VERSION, total),
            struct.pack("<II", len(text), CHUNK_JSON),
            text,
            struct.pack("<II", len(data), CHUNK_BIN),
            data,
        ]
    )


def save_glb(motion: Motion, path: str | os.PathLike) -> list[Path]:
    """Write `motion` as one `.glb` (every actor), atomically; returns [path]."""
    atomic_write_bytes(path, glb_bytes(motion))
    return [Path(path)]
