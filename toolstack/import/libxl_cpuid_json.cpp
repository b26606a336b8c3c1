#include "libxl_cpuid_json.h"

#include "../core/error.h"

namespace cpucompat {

namespace {

bool valid_filter(const std::string &s, std::size_t len) {
    return s.size() == len && s.find_first_not_of("01xks") == std::string::npos;
}

uint32_t u32_of(const nlohmann::json &v, const std::string &where) {
    if (!v.is_number_unsigned() || v.get<uint64_t>() > 0xffffffffull) throw Error(where + ": expected a 32-bit number");
    return v.get<uint32_t>();
}

}  // namespace

CpuidFilters cpuid_filters_from_json(const nlohmann::json &j, const std::string &where) {
    CpuidFilters f;
    if (j.is_null()) return f;
    const nlohmann::json *cpuid = &j, *msr = nullptr;
    if (j.is_object()) {
        cpuid = j.contains("cpuid") ? &j["cpuid"] : nullptr;
        msr = j.contains("msr") ? &j["msr"] : nullptr;
    }
    if (cpuid) {
        if (!cpuid->is_array()) throw Error(where + ": cpuid must be a list");
        for (std::size_t i = 0; i < cpuid->size(); ++i) {
            const auto &e = (*cpuid)[i];
            const std::string at = where + ": cpuid[" + std::to_string(i) + "]";
            if (!e.is_object() || !e.contains("leaf")) throw Error(at + ": expected an object with a \"leaf\"");
            const uint32_t leaf = u32_of(e["leaf"], at + ".leaf");
            const uint32_t sub = e.contains("subleaf") ? u32_of(e["subleaf"], at + ".subleaf") : kNoSubleaf;
            static const char *const regs[4] = {"eax", "ebx", "ecx", "edx"};
            for (unsigned r = 0; r < 4; ++r) {
                if (!e.contains(regs[r])) continue;
                const auto &v = e[regs[r]];
                if (!v.is_string() || !valid_filter(v.get<std::string>(), 32))
                    throw Error(at + "." + regs[r] + ": expected 32 of the characters 0 1 x k s");
                f.cpuid[{leaf, sub, r}] = v.get<std::string>();
            }
        }
    }
    if (msr) {
        if (!msr->is_array()) throw Error(where + ": msr must be a list");
        for (std::size_t i = 0; i < msr->size(); ++i) {
            const auto &e = (*msr)[i];
            const std::string at = where + ": msr[" + std::to_string(i) + "]";
            if (!e.is_object() || !e.contains("index") || !e.contains("policy")) throw Error(at + ": expected {\"index\", \"policy\"}");
            const auto &v = e["policy"];
            if (!v.is_string() || !valid_filter(v.get<std::string>(), 64)) throw Error(at + ".policy: expected 64 of the characters 0 1 x k s");
            f.msr[u32_of(e["index"], at + ".index")] = v.get<std::string>();
        }
    }
    return f;
}

}  // namespace cpucompat
