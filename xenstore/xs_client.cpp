#include "xs_client.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

extern "C" {
#include <xenstore.h>
}

#include "../toolstack/core/error.h"

namespace cpucompat {

namespace {

[[noreturn]] void fail(const std::string &what, const std::string &path) {
    throw Error("xenstore: " + what + " " + path + ": " + std::strerror(errno));
}

std::optional<std::string> read_at(xs_handle *h, xs_transaction_t t, const std::string &path) {
    unsigned len = 0;
    void *v = xs_read(h, t, path.c_str(), &len);
    if (!v) {
        if (errno == ENOENT) return std::nullopt;
        fail("cannot read", path);
    }
    std::string s(static_cast<const char *>(v), len);
    std::free(v);
    return s;
}

std::vector<std::string> list_at(xs_handle *h, xs_transaction_t t, const std::string &path) {
    unsigned n = 0;
    char **d = xs_directory(h, t, path.c_str(), &n);
    if (!d) {
        if (errno == ENOENT) return {};
        fail("cannot list", path);
    }
    std::vector<std::string> out(d, d + n);
    std::free(d);
    return out;
}

}  // namespace

XsClient::XsClient() : h_(xs_open(0)) {
    if (!h_) throw Error(std::string("xenstore: cannot connect to xenstored (dom0 with Xen running?): ") + std::strerror(errno));
}

XsClient::~XsClient() { xs_close(h_); }

std::optional<std::string> XsClient::read(const std::string &path) { return read_at(h_, XBT_NULL, path); }
std::vector<std::string> XsClient::list(const std::string &path) { return list_at(h_, XBT_NULL, path); }
void XsClient::write(const std::string &path, const std::string &value) { XsTransaction(h_, XBT_NULL).write(path, value); }

void XsClient::transact(const std::function<void(XsTransaction &)> &body) {
    for (int attempt = 0; attempt < 16; ++attempt) {
        const xs_transaction_t id = xs_transaction_start(h_);
        if (id == XBT_NULL) fail("cannot start a transaction at", std::string("/tool/cpucompat"));
        XsTransaction t(h_, id);
        try {
            body(t);
        } catch (...) {
            xs_transaction_end(h_, id, true);  // abort: nothing of it lands
            throw;
        }
        if (xs_transaction_end(h_, id, false)) return;
        if (errno != EAGAIN) fail("cannot commit a transaction at", std::string("/tool/cpucompat"));
    }
    throw Error("xenstore: transaction kept conflicting with other writers (16 attempts)");
}

std::optional<std::string> XsTransaction::read(const std::string &path) { return read_at(h_, id_, path); }
std::vector<std::string> XsTransaction::list(const std::string &path) { return list_at(h_, id_, path); }

void XsTransaction::write(const std::string &path, const std::string &value) {
    if (!xs_write(h_, id_, path.c_str(), value.data(), static_cast<unsigned>(value.size()))) fail("cannot write", path);
    xs_permissions dom0_only{0, XS_PERM_NONE};
    if (!xs_set_permissions(h_, id_, path.c_str(), &dom0_only, 1)) fail("cannot set permissions of", path);
}

void XsTransaction::remove(const std::string &path) {
    if (!xs_rm(h_, id_, path.c_str()) && errno != ENOENT) fail("cannot remove", path);
}

}  // namespace cpucompat
