# Copyright (c) mmpose-cl contributors. All rights reserved.
import sys

from .cli import main

sys.exit(main())
