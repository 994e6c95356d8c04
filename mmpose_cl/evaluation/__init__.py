# Copyright (c) mmpose-cl contributors. All rights reserved.
from .lsp_pck import LspPCKAccuracy

__all__ = ['LspPCKAccuracy']
