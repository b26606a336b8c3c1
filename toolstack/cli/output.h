// How the CLI shows policies, comparisons and features: one human form and
// one JSON form for each, so every command prints them alike.
#pragma once

#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "../core/catalogue.h"
#include "../core/compare.h"
#include "../core/policy.h"

namespace cpucompat {

// "CPUID 0x7:0 EBX bit 16" or "MSR 0x10a bit 62".
std::string feature_location(const FeatureInfo &f);
nlohmann::ordered_json feature_json(const FeatureInfo &f);

void print_policy(std::ostream &os, const std::string &title, const Policy &p);
void print_compare(std::ostream &os, const CompareResult &r, const Policy &guest, const Policy &host);
nlohmann::ordered_json compare_json(const CompareResult &r, const Policy &guest, const Policy &host);

}  // namespace cpucompat
