from .input_checks import (check_image_array, check_image_input,
                           check_inputs, parse_bboxes)

__all__ = [
    'check_image_array', 'check_image_input', 'check_inputs', 'parse_bboxes'
]
