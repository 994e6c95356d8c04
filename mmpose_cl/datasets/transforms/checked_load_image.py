# Copyright (c) mmpose-cl contributors. All rights reserved.
import os.path as osp
from typing import Optional

from mmpose.datasets.transforms import LoadImage
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class CheckedLoadImage(LoadImage):
    """:class:`mmpose.datasets.transforms.LoadImage` whose failures name the
    file and say what is wrong with it.

    MMPose's ``LoadImage`` reports an empty file as an OpenCV assertion
    (``cv2.error: !buf.empty()``) and a file that does not decode (random
    bytes, a truncated JPEG or PNG, which OpenCV >= 4 refuses) as an
    ``AssertionError`` that asks whether the file exists. This transform
    raises instead:

    - ``FileNotFoundError`` for a missing file (MMPose's own error, which
      names the file);
    - ``ValueError`` naming the file and its size for an empty file or one
      that does not decode as an image.

    With ``ignore_empty=True`` every such file yields ``None`` (as in MMCV),
    so that a training dataset (``test_mode=False``) draws another sample;
    a test dataset raises on ``None``. An image given as an array in
    ``results['img']`` is passed through as ``LoadImage`` does.

    Required Keys:
        - img_path
        - img (optional)

    Modified Keys:
        - img, img_shape, ori_shape, img_path (optional)

    Args:
        Same as :class:`mmpose.datasets.transforms.LoadImage`.
    """

    def transform(self, results: dict) -> Optional[dict]:
        """Load ``results['img_path']`` (or take ``results['img']``).

        Returns:
            dict | None: the results with ``img`` (H, W, 3) uint8 BGR for the
            default ``color_type``; None for a bad file when
            ``ignore_empty``.
        """
        if 'img' in results:
            return super().transform(results)
        filename = results['img_path']
        cause: Optional[BaseException] = None
        try:
            loaded = super().transform(results)
        except FileNotFoundError:
            if self.ignore_empty:
                return None
            raise
        except Exception as e:  # cv2.error, AssertionError, PIL's OSError
            loaded, cause = None, e
        if loaded is not None and loaded.get('img') is not None:
            return loaded
        if self.ignore_empty:
            return None
        raise ValueError(self._describe(filename)) from cause

    def _describe(self, filename: str) -> str:
        name = self.__class__.__name__
        size = osp.getsize(filename) if osp.isfile(filename) else None
        if size == 0:
            return f'{name}: image file {filename!r} is empty (0 bytes)'
        what = f'{size} bytes' if size is not None else 'not a local file'
        return (f'{name}: cannot decode image file {filename!r} ({what}): '
                'it is not an image, or it is truncated or corrupt')
