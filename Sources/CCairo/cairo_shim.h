// cairo's drawing API with its image (PNG) and SVG surfaces, for the Plots module.
#include <cairo.h>
#include <cairo-svg.h>
