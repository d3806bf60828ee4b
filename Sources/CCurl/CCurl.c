// The setters are header-only (static inline); this file gives the target a compilation unit.
#include "CCurl.h"
