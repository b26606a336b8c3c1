// libFuzzer target for one importer, chosen at build time with
// -DFUZZ_TARGET_<name> (see FUZZ_TARGETS in the Makefile). Any input must
// either import or fail with cpucompat::Error; anything else (a crash, a
// sanitizer report, another exception type) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "../../toolstack/core/error.h"
#include "../../toolstack/import/cpuid_tool.h"
#include "../../toolstack/import/domain_record.h"
#include "../../toolstack/import/host_config.h"
#include "../../toolstack/import/save_image.h"
#include "../../toolstack/import/fingerprint.h"
#include "../../toolstack/import/instlat.h"
#include "../../toolstack/import/template_yaml.h"
#include "../../toolstack/import/xen_cpuid_policy.h"

using namespace cpucompat;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const InputText in{"fuzz", std::string(reinterpret_cast<const char *>(data), size)};
    try {
#if defined(FUZZ_TARGET_save_image)
        // Binary by nature: no text checks first.
        const auto config = parse_save_image_config(in.text, in.name);
        (void)config_domain_name(config);
        (void)config_guest_type(config);
        (void)config_record(config, in.name);
        return 0;
#endif
        check_input_text(in);
#if defined(FUZZ_TARGET_save_image)
#elif defined(FUZZ_TARGET_xen_cpuid)
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
#elif defined(FUZZ_TARGET_domain_record)
        (void)record_from_json(in.text, in.name);
#elif defined(FUZZ_TARGET_host_config)
        (void)parse_host_config(in);
#else
#error "define one FUZZ_TARGET_<importer>"
#endif
    } catch (const Error &) {
    }
    return 0;
}
