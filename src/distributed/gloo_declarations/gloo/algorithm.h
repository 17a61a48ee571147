#pragma once  // see context.h
#include <gloo/context.h>
