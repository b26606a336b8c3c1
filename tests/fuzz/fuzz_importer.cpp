// libFuzzer target for one importer, chosen at build time with
// -DFUZZ_TARGET_<name> (see FUZZ_TARGETS in the Makefile). Any input must
// either import or fail with cpucompat::Error; anything else (a crash, a
// sanitizer report, another exception type) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "../../toolstack/core/error.h"
#include "../../toolstack/import/cpuid_tool.h"
#include "../../toolstack/import/fingerprint.h"
#include "../../toolstack/import/instlat.h"
#include "../../toolstack/import/template_yaml.h"
#include "../../toolstack/import/xen_cpuid_policy.h"

using namespace cpucompat;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const InputText in{"fuzz", std::string(reinterpret_cast<const char *>(data), size)};
    try {
        check_input_text(in);
#if defined(FUZZ_TARGET_xen_cpuid)
        for (const auto &p : parse_xen_cpuid_policies(in)) (void)p.policy.features.empty();
#elif defined(FUZZ_TARGET_instlat)
        (void)parse_instlat(in);
#elif defined(FUZZ_TARGET_cpuid_tool)
        (void)parse_cpuid_tool(in);
#elif defined(FUZZ_TARGET_fingerprint_json)
        (void)parse_fingerprint_json(in);
#elif defined(FUZZ_TARGET_fingerprint_yaml)
        (void)parse_fingerprint_yaml(in);
#elif defined(FUZZ_TARGET_template_yaml)
        (void)parse_template_yaml(in);
#else
#error "define one FUZZ_TARGET_<importer>"
#endif
    } catch (const Error &) {
    }
    return 0;
}
