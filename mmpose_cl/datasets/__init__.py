# Copyright (c) mmpose-cl contributors. All rights reserved.
from .lsp_dataset import LspDataset

__all__ = ['LspDataset']
