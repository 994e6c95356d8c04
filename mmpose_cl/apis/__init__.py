from .checkpoints import (check_checkpoint_matches, load_cl_model,
                          load_pose_model, read_checkpoint)
from .input_checks import (check_image_array, check_image_input,
                           check_inputs, parse_bboxes)

__all__ = [
    'check_image_array', 'check_image_input', 'check_inputs', 'parse_bboxes',
    'check_checkpoint_matches', 'load_cl_model', 'load_pose_model',
    'read_checkpoint'
]
