#include "domain_hooks.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <mutex>

extern "C" {
#include <libxlutil.h>
}

#include "../toolstack/adapters/libxl_cpuid.h"
#include "../toolstack/adapters/xen_host.h"
#include "../toolstack/core/compare.h"
#include "../toolstack/core/catalogue.h"
#include "../toolstack/core/domain_policy.h"
#include "../toolstack/core/guest.h"
#include "../toolstack/core/mode_choice.h"
#include "../toolstack/import/data_index.h"
#include "../toolstack/import/domain_record.h"
#include "../toolstack/import/guest_table.h"
#include "../toolstack/import/host_config.h"
#include "../toolstack/import/template_yaml.h"
#include "../toolstack/core/text.h"
#include "../xenstore/records.h"

namespace cpucompat::plugin {

namespace {

std::mutex g_mutex;
std::optional<std::string> g_domain_mode;
std::optional<std::string> g_domain_guest;

constexpr const char *kXlConf = "/etc/xen/xl.conf";

void say(const std::string &domain, const std::string &msg) {
    // Messages may quote a record that came with an incoming domain.
    std::fprintf(stderr, "cpucompat: domain %s: %s\n", terminal_safe(domain).c_str(), terminal_safe(msg).c_str());
}

std::string domain_name(const libxl_domain_config *dc) {
    return dc->c_info.name ? dc->c_info.name : "(unnamed)";
}

GuestType guest_of(const libxl_domain_config *dc) {
    return dc->c_info.type == LIBXL_DOMAIN_TYPE_PV ? GuestType::pv : GuestType::hvm;
}

std::optional<std::string> xsdata_get(const libxl_key_value_list kv, const char *key) {
    for (int i = 0; kv && kv[i]; i += 2)
        if (!std::strcmp(kv[i], key)) return kv[i + 1] ? std::optional<std::string>(kv[i + 1]) : std::nullopt;
    return std::nullopt;
}

// libxl frees key/value lists with free(), so they are built with malloc.
void xsdata_set(libxl_key_value_list *kv, const char *key, const std::string &value) {
    char *v = strdup(value.c_str());
    if (!v) throw std::bad_alloc();
    int n = 0;
    for (; *kv && (*kv)[n]; n += 2)
        if (!std::strcmp((*kv)[n], key)) {
            std::free((*kv)[n + 1]);
            (*kv)[n + 1] = v;
            return;
        }
    char *k = strdup(key);
    auto **grown = static_cast<char **>(std::realloc(*kv, sizeof(char *) * (n + 3)));
    if (!k || !grown) {
        std::free(k);
        std::free(v);
        throw std::bad_alloc();
    }
    grown[n] = k;
    grown[n + 1] = v;
    grown[n + 2] = nullptr;
    *kv = grown;
}

std::optional<std::string> xl_conf_mode() {
    std::error_code ec;
    if (!std::filesystem::exists(kXlConf, ec)) return std::nullopt;
    XLU_Config *cfg = xlu_cfg_init(stderr, kXlConf);
    if (!cfg) throw Error(std::string(kXlConf) + ": cannot read: " + std::strerror(errno));
    std::optional<std::string> out;
    const int rc = xlu_cfg_readfile(cfg, kXlConf);
    const char *v = nullptr;
    if (!rc && xlu_cfg_get_string(cfg, "cpu_compat", &v, 1) == 0 && v) out = v;
    xlu_cfg_destroy(cfg);
    if (rc) throw Error(std::string(kXlConf) + ": cannot parse: " + std::strerror(rc));
    return out;
}

std::optional<HostConfig> host_config() {
    std::error_code ec;
    if (!std::filesystem::exists(kHostConfigPath, ec)) return std::nullopt;
    InputText in{kHostConfigPath, ""};
    if (std::filesystem::file_size(kHostConfigPath, ec) > 0) in = read_input_file(kHostConfigPath);
    return parse_host_config(in);
}

// /etc/xen/cpucompat.yaml, read at most once per creation, and only when
// something asks for it (the mode's last source, the guest's default).
class HostConfigOnce {
public:
    const std::optional<HostConfig> &get() {
        if (!read_) value_ = host_config();
        read_ = true;
        return value_;
    }

private:
    bool read_ = false;
    std::optional<HostConfig> value_;
};

ModeChoice mode_for(const libxl_domain_config *dc, HostConfigOnce &host_cfg) {
    ModeSources s;
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        s.domain_config = g_domain_mode;
    }
    if (auto rec = xsdata_get(dc->c_info.xsdata, kRecordKey))
        s.record = record_from_json(*rec, "the domain's cpucompat record").mode;
    if (!s.domain_config && !s.record) {
        s.xl_conf = xl_conf_mode();
        if (!s.xl_conf)
            if (const auto &c = host_cfg.get()) s.host_config = c->default_mode;
    }
    return choose_mode(s);
}

std::vector<Policy> pool_for(const Mode &mode, const Policy &host) {
    if (mode.kind != Mode::Kind::pool) return {};
    XsClient xs;
    auto level = read_pool(xs, host.vendor_id);
    if (!level)
        throw Error(std::string("mode pool: no pool level for ") + vendor_short_name(host.vendor()) +
                    " hosts in xenstore; publish one with `cpucompat publish --pool FILE...`");
    return {*level};
}

std::string hostname() {
    char buf[256] = {};
    return gethostname(buf, sizeof buf - 1) == 0 ? buf : "unknown";
}

std::string utc_now() {
    char buf[32];
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string uuid_of(const libxl_domain_config *dc) {
    char buf[LIBXL_UUID_FMTLEN + 1];
    std::snprintf(buf, sizeof buf, LIBXL_UUID_FMT, LIBXL_UUID_BYTES(dc->c_info.uuid));
    return buf;
}

// Mirrors a record into xenstore; the domain does not depend on it, so a
// failure is a warning. Records of gone domains are dropped at every eighth
// creation (by domain id) and by `cpucompat publish`, not at each: that
// transaction is a fifth of the plugin's cost under TCG (issue 12), and a
// few stale records cost nothing but a little of dom0's xenstore.
void publish_record(const std::string &name, const std::string &uuid, const std::string &record, uint32_t domid) {
    try {
        XsClient xs;
        write_domain_record(xs, uuid, record, domid % 8 == 0);
    } catch (const std::exception &e) {
        say(name, std::string("warning: record not written to xenstore: ") + e.what());
    }
}

// Everything decided before the real create, so a refusal leaves nothing.
struct Prepared {
    bool active = false;
    std::shared_ptr<Libxc> xc;  // open from the host's policy to the domain's check
    Policy expected;
    std::string record;
};

Prepared prepare(libxl_domain_config *dc) {
    Prepared p;
    HostConfigOnce host_cfg;
    const ModeChoice choice = mode_for(dc, host_cfg);
    std::optional<std::string> guest_os;
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        guest_os = g_domain_guest;
    }
    if (choice.mode.kind == Mode::Kind::off) {
        if (guest_os) say(domain_name(dc), "warning: cpu_compat_guest=\"" + *guest_os + "\" is not checked: mode off leaves the host's policy as it is");
        return p;
    }
    // Not named in its config: this host's default for its name, if any.
    if (!guest_os)
        if (const auto &c = host_cfg.get()) guest_os = default_guest(*c, domain_name(dc));
    const GuestType guest = guest_of(dc);
    p.xc = std::make_shared<Libxc>();
    const Policy host = p.xc->system_policy(guest == GuestType::pv ? SystemPolicy::pv_default : SystemPolicy::hvm_default);
    const CpuidFilters user = read_cpuid_filters(dc->b_info.cpuid);
    // The baselines and the guest's entry from the index compiled in, not
    // from YAML, while the files are as it was built from (data_index.h).
    const std::string dir = default_data_dir();
    DataFiles data(dir, guest_table_path_beside(dir), &kBuiltDataIndex);
    const DomainPlan plan = plan_domain_policy(choice.mode, host, user, guest, data.templates_for(choice.mode, host.vendor_id),
                                               pool_for(choice.mode, host));
    // The guest it runs must boot with the policy it gets: else nothing is built.
    if (guest_os) {
        const GuestLookup g = data.guest(*guest_os, "cpu_compat_guest: ");
        const Featureset minimum = guest_minimum(g.needs, g.levels, guest);
        const std::string why = guest_refusal(*guest_os, Catalogue::get().names(guest_missing(plan.cpuid.expected.features, minimum)),
                                              choice.mode.to_string(), !user.cpuid.empty() || !user.msr.empty());
        if (!why.empty()) throw Error(why);
    }
    if (!data.index_problem().empty()) say(domain_name(dc), "warning: " + data.index_problem());
    DomainRecord rec{choice.mode.to_string(), plan.template_name, hostname(), utc_now(), guest, plan.cpuid.expected, {}, guest_os.value_or("")};
    p.record = record_to_json(rec);
    apply_merged_cpuid(dc->b_info.cpuid, plan.cpuid);  // throws before changing anything
    xsdata_set(&dc->c_info.xsdata, kRecordKey, p.record);
    p.expected = plan.cpuid.expected;
    p.active = true;
    return p;
}

}  // namespace

void set_domain_config_mode(std::optional<std::string> value) {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_domain_mode = std::move(value);
}

void set_domain_config_guest(std::optional<std::string> value) {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_domain_guest = std::move(value);
}

int create_new(CreateNewFn real, libxl_ctx *ctx, libxl_domain_config *dc, uint32_t *domid,
               const libxl_asyncop_how *ao_how, const libxl_asyncprogress_how *aop_console_how) {
    const std::string name = domain_name(dc);
    Prepared p;
    try {
        p = prepare(dc);
    } catch (const std::exception &e) {
        say(name, std::string("not created: ") + e.what());
        return ERROR_FAIL;
    }
    const int rc = real(ctx, dc, domid, ao_how, aop_console_how);
    // An asynchronous create has not finished here; such callers (not xl)
    // get the policy requested but not checked (see cpucompat.cfg(5)).
    if (!p.active || rc || ao_how) return rc;
    try {
        const AppliedDiff d = check_applied(p.expected, p.xc->domain_policy(*domid));
        if (!d.ok()) {
            libxl_domain_destroy(ctx, *domid, nullptr);
            say(name, "destroyed: Xen applied another CPU policy than requested: " + d.summary());
            return ERROR_FAIL;
        }
    } catch (const std::exception &e) {
        libxl_domain_destroy(ctx, *domid, nullptr);
        say(name, std::string("destroyed: its CPU policy could not be checked: ") + e.what());
        return ERROR_FAIL;
    }
    publish_record(name, uuid_of(dc), p.record, *domid);
    return rc;
}

int create_restore(CreateRestoreFn real, libxl_ctx *ctx, libxl_domain_config *dc, uint32_t *domid, int restore_fd,
                   int send_back_fd, const libxl_domain_restore_params *params, const libxl_asyncop_how *ao_how,
                   const libxl_asyncprogress_how *aop_console_how) {
    const std::string name = domain_name(dc);
    std::optional<std::string> record;
    try {
        record = xsdata_get(dc->c_info.xsdata, kRecordKey);
        if (!record) {
            say(name, "warning: no cpucompat record in its config; restoring without a CPU compatibility check");
        } else {
            const DomainRecord rec = record_from_json(*record, "the domain's cpucompat record");
            const Policy host = read_system_policy(rec.guest == GuestType::pv ? SystemPolicy::pv_max : SystemPolicy::hvm_max);
            const CompareResult r = restore_verdict(rec.policy, host, rec.unknown_features);
            if (!r.compatible()) {
                say(name, "refused: this host cannot run its CPU policy (mode " + rec.mode + ", from " + rec.host +
                              "): " + summary(r, rec.policy, host) +
                              "; nothing was restored: the save image, or the sender's domain, is left as it was");
                return ERROR_FAIL;
            }
            // The guest it runs, as its record names it: the policy it
            // keeps here must still be one that guest boots with (this
            // host's table may know the guest better than the sender's).
            if (!rec.guest_os.empty()) {
                const LoadedGuestTable table = load_guest_table_levels(default_guest_table_path());
                const RecordedGuestVerdict v = recorded_guest_verdict(rec, table);
                if (v.unknown) say(name, "warning: its guest " + rec.guest_os + " is not in " + table.path + "; not checked");
                if (!v.refusal.empty()) {
                    say(name, "refused: " + v.refusal + "; nothing was restored: the save image, or the sender's domain, is left as it was");
                    return ERROR_FAIL;
                }
            }
        }
    } catch (const std::exception &e) {
        say(name, std::string("refused: ") + e.what());
        return ERROR_FAIL;
    }
    const int rc = real(ctx, dc, domid, restore_fd, send_back_fd, params, ao_how, aop_console_how);
    if (!rc && record) publish_record(name, uuid_of(dc), *record, *domid);
    return rc;
}

}  // namespace cpucompat::plugin
