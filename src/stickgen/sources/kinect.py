"""The Kinect v2 skeleton (25 joints) of NTU RGB+D and LSMB19, and its map to the SMPL joints.

Coordinates are Kinect camera space: metres, Y up, Z from the sensor into the room, X to the
sensor's left (right-handed). Joint sides are the person's own. A person facing the sensor faces -Z;
the shared driver turns every clip to face +Z.

Map: pelvis = SpineBase, neck = SpineShoulder (the base of the neck between the shoulders), head =
Head, hips / knees / ankles / shoulders / elbows / wrists by name, SMPL's foot (ball of the foot) =
Foot; the back polyline is SpineBase -> SpineMid -> SpineShoulder (spine1-3 and the collars are
derived, see `sources.retarget`). Kinect's Neck, Hand, HandTip and Thumb points are not used.
"""

from __future__ import annotations

import numpy as np

from stickgen.sources.retarget import BodyPoints, smpl_joints

KINECT_JOINTS: tuple[str, ...] = (
    "SpineBase",
    "SpineMid",
    "Neck",
    "Head",
    "ShoulderLeft",
    "ElbowLeft",
    "WristLeft",
    "HandLeft",
    "ShoulderRight",
    "ElbowRight",
    "WristRight",
    "HandRight",
    "HipLeft",
    "KneeLeft",
    "AnkleLeft",
    "FootLeft",
    "HipRight",
    "KneeRight",
    "AnkleRight",
    "FootRight",
    "SpineShoulder",
    "HandTipLeft",
    "ThumbLeft",
    "HandTipRight",
    "ThumbRight",
)
NUM_KINECT = len(KINECT_JOINTS)
K = {name: i for i, name in enumerate(KINECT_JOINTS)}


def kinect_points(joints: np.ndarray) -> BodyPoints:
    """The body points of (T, 25, 3) Kinect joints (float64, the joints' axes and units)."""
    assert joints.shape[1:] == (NUM_KINECT, 3), joints.shape
    j = joints.astype(np.float64)

    def at(name: str) -> np.ndarray:
        return j[:, K[name]]

    return BodyPoints(
        pelvis=at("SpineBase"),
        left_hip=at("HipLeft"),
        right_hip=at("HipRight"),
        left_knee=at("KneeLeft"),
        right_knee=at("KneeRight"),
        left_ankle=at("AnkleLeft"),
        right_ankle=at("AnkleRight"),
        neck=at("SpineShoulder"),
        head=at("Head"),
        left_shoulder=at("ShoulderLeft"),
        right_shoulder=at("ShoulderRight"),
        left_elbow=at("ElbowLeft"),
        right_elbow=at("ElbowRight"),
        left_wrist=at("WristLeft"),
        right_wrist=at("WristRight"),
        back=[at("SpineBase"), at("SpineMid"), at("SpineShoulder")],
        left_foot=at("FootLeft"),
        right_foot=at("FootRight"),
    )


def kinect_to_smpl(joints: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """(T, 25, 3) Kinect joints -> (T, 22, 3) SMPL joints and the derived joint names."""
    return smpl_joints(kinect_points(joints))
