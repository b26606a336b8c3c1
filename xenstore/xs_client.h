// A small RAII layer over libxenstore: one connection, transactions that
// are retried when xenstored reports a conflict (EAGAIN), and writes that
// make every node dom0's alone.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

struct xs_handle;

namespace cpucompat {

class XsTransaction;

class XsClient {
public:
    // Throws Error when xenstored cannot be reached (not dom0, no Xen).
    XsClient();
    ~XsClient();
    XsClient(const XsClient &) = delete;
    XsClient &operator=(const XsClient &) = delete;

    // Runs `body` in a transaction; on EAGAIN at commit the body runs again
    // (up to 16 times), so it must only read and write through `t`.
    void transact(const std::function<void(XsTransaction &t)> &body);

    // Outside any transaction.
    std::optional<std::string> read(const std::string &path);
    std::vector<std::string> list(const std::string &path);  // empty if absent
    // One node's value (a reader sees the old value or the new), then its
    // permissions set to dom0 only; until then it has its parent's, which
    // under /tool are dom0's alone.
    void write(const std::string &path, const std::string &value);

private:
    friend class XsTransaction;
    xs_handle *h_;
};

class XsTransaction {
public:
    std::optional<std::string> read(const std::string &path);
    std::vector<std::string> list(const std::string &path);
    // Writes and sets the node's permissions to dom0 only.
    void write(const std::string &path, const std::string &value);
    void remove(const std::string &path);  // absent is fine

private:
    friend class XsClient;
    XsTransaction(xs_handle *h, unsigned id) : h_(h), id_(id) {}
    xs_handle *h_;
    unsigned id_;
};

}  // namespace cpucompat
