from .cl_codec import CLCodec

__all__ = ['CLCodec']
