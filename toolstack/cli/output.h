// How the CLI shows policies, comparisons and features: one human form and
// one JSON form for each, so every command prints them alike.
#pragma once

#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "../core/catalogue.h"
#include "../core/compare.h"
#include "../core/policy.h"
#include "../import/import.h"

namespace cpucompat {

// "CPUID 0x7:0 EBX bit 16" or "MSR 0x10a bit 62".
std::string feature_location(const FeatureInfo &f);
nlohmann::ordered_json feature_json(const FeatureInfo &f);

// Indented JSON with a newline. Strings that are not UTF-8 (file names,
// another host's replies) are replaced, never a reason to fail.
std::string json_text(const nlohmann::ordered_json &j);
// {"file", "format", "policy"}: which policy of which input a verdict used.
nlohmann::ordered_json input_json(const Imported &in);

// The title, then an "input" line for each of `inputs` (what it was computed
// from), then the policy.
void print_policy(std::ostream &os, const std::string &title, const Policy &p, const std::vector<Imported> &inputs = {});
void print_compare(std::ostream &os, const CompareResult &r, const Policy &guest, const Policy &host);
nlohmann::ordered_json compare_json(const CompareResult &r, const Policy &guest, const Policy &host);

}  // namespace cpucompat
