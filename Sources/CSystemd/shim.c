// SwiftPM needs one source file per C target; the module is headers only.
#include "CSystemd.h"
