"""SMPL joints -> a Kinect v2 body in camera space (for the NTU RGB+D and LSMB19 writers).

Kinect points SMPL lacks are placed from it: SpineMid = spine2, Neck halfway from the SMPL neck to
the head, Head a little above the SMPL head, Hand / HandTip / Thumb along the forearm beyond the
wrist; SpineShoulder is the SMPL neck. The scene is then seen by a sensor about 0.9 m above the
floor and 3 m away, turned by a yaw drawn from the seed (camera space is right-handed, Y up).
"""

from __future__ import annotations

import numpy as np

from stickgen.core.rotations import rot_y
from stickgen.core.skeleton import JOINT_INDEX
from stickgen.sources.kinect import NUM_KINECT, K

_DIRECT: dict[str, str] = {
    "SpineBase": "pelvis",
    "SpineMid": "spine2",
    "SpineShoulder": "neck",
    "ShoulderLeft": "left_shoulder",
    "ElbowLeft": "left_elbow",
    "WristLeft": "left_wrist",
    "ShoulderRight": "right_shoulder",
    "ElbowRight": "right_elbow",
    "WristRight": "right_wrist",
    "HipLeft": "left_hip",
    "KneeLeft": "left_knee",
    "AnkleLeft": "left_ankle",
    "FootLeft": "left_foot",
    "HipRight": "right_hip",
    "KneeRight": "right_knee",
    "AnkleRight": "right_ankle",
    "FootRight": "right_foot",
}
SENSOR_HEIGHT_M = 0.9
SENSOR_DISTANCE_M = 3.0


def smpl_to_kinect(joints: np.ndarray) -> np.ndarray:
    """(T, 22, 3) SMPL joints -> (T, 25, 3) Kinect joints, same axes and units."""
    out = np.zeros((joints.shape[0], NUM_KINECT, 3))
    j = {name: joints[:, JOINT_INDEX[name]] for name in JOINT_INDEX}
    for kinect, smpl in _DIRECT.items():
        out[:, K[kinect]] = j[smpl]
    out[:, K["Neck"]] = 0.5 * (j["neck"] + j["head"])
    out[:, K["Head"]] = j["head"] + 0.3 * (j["head"] - j["neck"])
    for side, s in (("left", "Left"), ("right", "Right")):
        wrist, elbow = j[f"{side}_wrist"], j[f"{side}_elbow"]
        along = (wrist - elbow) / np.maximum(np.linalg.norm(wrist - elbow, axis=-1, keepdims=True), 1e-9)
        out[:, K[f"Hand{s}"]] = wrist + 0.07 * along
        out[:, K[f"HandTip{s}"]] = wrist + 0.15 * along
        out[:, K[f"Thumb{s}"]] = wrist + 0.06 * along + np.array([0.0, 0.02, 0.0])
    return out


def to_camera(points: np.ndarray, centre: np.ndarray, yaw: float) -> np.ndarray:
    """(..., 3) Y-up world points -> Kinect camera space, `centre` (on the floor plane) 3 m in front of
    the sensor, the scene turned by `yaw` about Y."""
    cam = (points - centre * np.array([1.0, 0.0, 1.0])) @ rot_y(yaw).T
    return cam + np.array([0.0, -SENSOR_HEIGHT_M, SENSOR_DISTANCE_M])
