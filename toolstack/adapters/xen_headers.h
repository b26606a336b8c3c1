// Xen's C headers, included once the way C++ needs them: inside extern "C"
// and with -std=gnu++17 (xenctrl.h's public headers #error under strict ANSI).
#pragma once

extern "C" {
#include <xenctrl.h>
#include <xenguest.h>
#include <libxl.h>
#include <libxl_utils.h>
}
