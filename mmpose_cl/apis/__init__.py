from .explicit_bboxes import honour_explicit_bboxes
from .input_checks import install_inference_input_checks

__all__ = ['honour_explicit_bboxes', 'install_inference_input_checks']
