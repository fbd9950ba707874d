include "build_read.pxi"
