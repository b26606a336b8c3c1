// Reading CPU templates (baselines and `file:PATH` templates) from YAML, and
// the template library from a directory of them.
#pragma once

#include <string>

#include "../core/cpu_template.h"
#include "../core/normalize.h"
#include "input_file.h"

namespace cpucompat {

// A template name names a level and a baseline file: 1..64 letters, digits,
// '.', '_', '+' or '-', starting with a letter or digit.
bool plain_template_name(const std::string &s);

// Errors name the file and line of the bad key or feature.
CpuTemplate parse_template_yaml(const InputText &in);
std::string template_to_yaml(const CpuTemplate &t);

// Every *.yaml in `dir`, by template name. Throws Error on a bad file or on
// two files with one name.
TemplateLibrary load_template_library(const std::string &dir);

// The templates `mode` needs on a host of this vendor: the baseline's own
// file (DIR/KEY.yaml) and a file: template. Only when that file is missing
// (an unknown level) is the whole directory read, so normalize() can list
// the known levels. The plugin runs this in every xl create; one small file
// instead of the whole directory keeps that cheap.
TemplateLibrary load_templates_for(const Mode &mode, const std::string &vendor_id, const std::string &dir);

// Where the baselines are: $CPUCOMPAT_DATADIR/baselines, else
// <exe>/../share/cpucompat/baselines (the installed layout, and the build
// tree's build/share link), else the compiled-in PREFIX/share/cpucompat
// (for a library loaded into another program, such as xl).
std::string default_data_dir();

// <exe>/../REL when it exists (the installed layout, and the build tree's
// mirror of it), else "".
std::string beside_exe(const std::string &rel);

}  // namespace cpucompat
