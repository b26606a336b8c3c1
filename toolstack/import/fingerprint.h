// The project's own fingerprint format, in JSON and in YAML: the policy model
// written out field by field. Reading what was written gives the same Policy
// (raw leaves and MSRs included when present).
//
//   {"format": "cpucompat-fingerprint/1", "vendor": "GenuineIntel",
//    "family": 6, "model": 143, "stepping": 8, "max_leaf": 31,
//    "max_extd_leaf": 2147483656, "max_subleaf7": 2, "features": [...],
//    "leaves": [{"leaf": "0x00000000", "subleaf": "0xffffffff",
//                "eax": "0x...", ...}], "msrs": [{"index": "0x0000010a", "value": "0x..."}]}
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../core/policy.h"
#include "input_file.h"

namespace cpucompat {

inline constexpr const char *kFingerprintFormat = "cpucompat-fingerprint/1";

// with_raw: include the raw leaves and MSRs.
nlohmann::ordered_json policy_to_json(const Policy &p, bool with_raw);
std::string policy_to_yaml(const Policy &p, bool with_raw);

bool looks_like_json(const std::string &text);
// Both readers refuse, naming the key path (and the line, in YAML): unknown
// keys, a key given twice, a vendor id that is not 12 printable ASCII
// characters, a feature listed twice or beyond the limits, leaves that lie
// beyond the limits or repeat, MSRs that repeat, and fields that contradict
// the raw leaves when those are given. "inputs" (where the policy came
// from, as `cpucompat level/normalize --json` write it) is allowed and not
// read.
Policy parse_fingerprint_json(const InputText &in);
Policy parse_fingerprint_yaml(const InputText &in);
// From an already parsed JSON value (e.g. a policy embedded in a record).
// `where` names the value in errors. With `unknown_features`, a feature name
// this build does not know (a newer Xen's, a plain lower-case name) is added
// there instead of being an error.
Policy policy_from_json(const nlohmann::json &j, const std::string &where, std::vector<std::string> *unknown_features = nullptr);
// JSON text parsed with the checks every JSON input gets: at most
// kMaxStructuredBytes, no key twice in one object, nesting of at most 32.
nlohmann::json parse_json_strict(const std::string &text, const std::string &name);

}  // namespace cpucompat
