"""Reading a `.glb` back as a viewer would, independently of the writer: pygltflib parses the file, and the
joints come from the node hierarchy and the animation samplers (glTF 2.0's node transforms, quaternions
as (x, y, z, w))."""

from __future__ import annotations

import numpy as np
import pygltflib

DTYPES = {5126: "<f4", 5121: "u1", 5123: "<u2", 5125: "<u4"}
WIDTHS = {"SCALAR": 1, "VEC3": 3, "VEC4": 4, "MAT4": 16}


def load(data: bytes) -> pygltflib.GLTF2:
    return pygltflib.GLTF2.load_from_bytes(data)


def accessor(g: pygltflib.GLTF2, index: int) -> np.ndarray:
    """An accessor's values (count, width) (or (count,) for scalars) from the binary chunk."""
    a = g.accessors[index]
    view = g.bufferViews[a.bufferView]
    width = WIDTHS[a.type]
    start = (view.byteOffset or 0) + (a.byteOffset or 0)
    out = np.frombuffer(g.binary_blob(), DTYPES[a.componentType], a.count * width, start)
    return out.reshape(a.count, width) if width > 1 else out


def _quat_matrix(q: np.ndarray) -> np.ndarray:
    x, y, z, w = q / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


def world_matrices(g: pygltflib.GLTF2, frame: int) -> dict[int, np.ndarray]:
    """Every node's world matrix (4, 4) with the first animation at keyframe `frame`."""
    animated: dict[tuple[int, str], np.ndarray] = {}
    anim = g.animations[0]
    for ch in anim.channels:
        animated[(ch.target.node, ch.target.path)] = accessor(g, anim.samplers[ch.sampler].output)[frame]
    world: dict[int, np.ndarray] = {}

    def visit(n: int, parent: np.ndarray) -> None:
        node = g.nodes[n]
        local = np.eye(4)
        t = animated.get((n, "translation"), node.translation or [0.0, 0.0, 0.0])
        r = animated.get((n, "rotation"), node.rotation or [0.0, 0.0, 0.0, 1.0])
        s = animated.get((n, "scale"), node.scale or [1.0, 1.0, 1.0])
        local[:3, :3] = _quat_matrix(np.asarray(r, np.float64)) * np.asarray(s, np.float64)
        local[:3, 3] = t
        world[n] = parent @ local
        for c in node.children or []:
            visit(c, world[n])

    for n in g.scenes[g.scene or 0].nodes:
        visit(n, np.eye(4))
    return world


def joint_positions(g: pygltflib.GLTF2, frame: int) -> np.ndarray:
    """(A, J, 3) world positions of every skin's joints (one skin per actor) at keyframe `frame`."""
    world = world_matrices(g, frame)
    return np.array([[world[j][:3, 3] for j in skin.joints] for skin in g.skins])


def skinned_vertices(g: pygltflib.GLTF2, mesh_node: int, frame: int) -> np.ndarray:
    """(V, 3) a skinned mesh node's vertices posed at keyframe `frame` (linear blend skinning)."""
    world = world_matrices(g, frame)
    node = g.nodes[mesh_node]
    skin = g.skins[node.skin]
    prim = g.meshes[node.mesh].primitives[0]
    pos = accessor(g, prim.attributes.POSITION).astype(np.float64)
    joints = accessor(g, prim.attributes.JOINTS_0)
    weights = accessor(g, prim.attributes.WEIGHTS_0).astype(np.float64)
    ibm = accessor(g, skin.inverseBindMatrices).reshape(-1, 4, 4).transpose(0, 2, 1)  # column-major
    mats = np.array([world[j] @ ibm[k] for k, j in enumerate(skin.joints)])  # (J, 4, 4)
    homo = np.concatenate([pos, np.ones((len(pos), 1))], axis=1)
    per = np.einsum("vkab,vb->vka", mats[joints], homo)[..., :3]  # (V, 4 influences, 3)
    return np.einsum("vk,vka->va", weights, per)
