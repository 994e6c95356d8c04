from .explicit_bboxes import honour_explicit_bboxes

__all__ = ['honour_explicit_bboxes']
