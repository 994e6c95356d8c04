# Copyright (c) mmpose-cl contributors. All rights reserved.
"""albumentations does not ask PyPI for a newer version on import.

Upstream defect: albumentations 1.4.x (which MMPose's RTMPose pipelines
import) checks PyPI for its latest release every time it is imported, unless
``NO_ALBUMENTATIONS_UPDATE`` is set; on an offline machine the import waits
for that request and then warns. Work-around: set the variable (if the user
has not) before anything imports albumentations. It becomes unnecessary
once albumentations stops checking by default.
"""
import os


def apply() -> None:
    os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')
