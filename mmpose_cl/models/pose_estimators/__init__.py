from .cl_pose_estimator import CLPoseEstimator

__all__ = ['CLPoseEstimator']
