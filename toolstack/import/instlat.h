// Importer for raw CPUID dumps in the InstLatx64 / AIDA64 text format:
//   CPUID 00000007: 00000002-F3BFBFFB-BB417FEE-FFDD4430 [SL 00]
// Multi-CPU files: logical CPU #0 only. Older dumps omit "[SL nn]" (and some
// the colon) and repeat the leaf once per subleaf; the repeat count is the
// subleaf then. Some of those skip empty subleaves, so a leaf-0xd subleaf
// may be misnumbered; only word 4 (xsaveopt..xsaves) can be affected.
#pragma once

#include <string>

#include "../core/policy.h"
#include "input_file.h"

namespace cpucompat {

bool looks_like_instlat(const std::string &text);
Policy parse_instlat(const InputText &in);

}  // namespace cpucompat
