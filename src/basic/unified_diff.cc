#include "basic/unified_diff.h"

#include <vector>

#include "basic/text.h"

namespace vb {

namespace {

// One line of output, marking a missing final newline as diff does.
void emit(std::string& out, char tag, std::string_view line) {
    out += tag;
    out.append(line);
    if (line.empty() || line.back() != '\n') out += "\n\\ No newline at end of file\n";
}

} // namespace

std::string unified_diff(std::string_view before, std::string_view after, const std::string& old_label,
                         const std::string& new_label, int context) {
    if (before == after) return {};
    auto a = split_lines(before), b = split_lines(after);
    // Common prefix and suffix first: our edits touch few lines, so the LCS
    // table below stays small even for large files.
    size_t pre = 0;
    while (pre < a.size() && pre < b.size() && a[pre] == b[pre]) ++pre;
    size_t suf = 0;
    while (suf < a.size() - pre && suf < b.size() - pre && a[a.size() - 1 - suf] == b[b.size() - 1 - suf]) ++suf;
    size_t n = a.size() - pre - suf, m = b.size() - pre - suf;

    // ops: ' ' keep, '-' delete, '+' insert, over the middle part.
    std::vector<std::pair<char, std::string_view>> ops;
    for (size_t i = 0; i < pre; ++i) ops.push_back({' ', a[i]});
    if (n * m <= 4'000'000) {
        std::vector<std::vector<int>> L(n + 1, std::vector<int>(m + 1, 0));
        for (size_t i = n; i-- > 0;)
            for (size_t j = m; j-- > 0;)
                L[i][j] = a[pre + i] == b[pre + j] ? L[i + 1][j + 1] + 1 : std::max(L[i + 1][j], L[i][j + 1]);
        size_t i = 0, j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && a[pre + i] == b[pre + j]) ops.push_back({' ', a[pre + i]}), ++i, ++j;
            else if (i < n && (j == m || L[i + 1][j] >= L[i][j + 1])) ops.push_back({'-', a[pre + i++]});
            else ops.push_back({'+', b[pre + j++]});
        }
    } else {
        for (size_t i = 0; i < n; ++i) ops.push_back({'-', a[pre + i]});
        for (size_t j = 0; j < m; ++j) ops.push_back({'+', b[pre + j]});
    }
    for (size_t i = a.size() - suf; i < a.size(); ++i) ops.push_back({' ', a[i]});

    std::string out = "--- " + old_label + "\n+++ " + new_label + "\n";
    size_t k = 0;
    const size_t ctx = static_cast<size_t>(context);
    while (k < ops.size()) {
        while (k < ops.size() && ops[k].first == ' ') ++k;
        if (k == ops.size()) break;
        size_t start = k > ctx ? k - ctx : 0;
        size_t end = k; // extend while changes are within 2*context of each other
        for (size_t gap = 0; end < ops.size(); ++end) {
            gap = ops[end].first == ' ' ? gap + 1 : 0;
            if (gap > 2 * ctx) {
                end -= ctx;
                break;
            }
        }
        if (end >= ops.size()) {
            end = ops.size();
            size_t trailing = 0;
            while (trailing < end - k && ops[end - 1 - trailing].first == ' ') ++trailing;
            if (trailing > ctx) end -= trailing - ctx;
        }
        size_t oa = 0, ob = 0, la = 0, lb = 0;
        for (size_t x = 0; x < start; ++x) {
            if (ops[x].first != '+') ++oa;
            if (ops[x].first != '-') ++ob;
        }
        for (size_t x = start; x < end; ++x) {
            if (ops[x].first != '+') ++la;
            if (ops[x].first != '-') ++lb;
        }
        out += "@@ -" + std::to_string(la ? oa + 1 : oa) + "," + std::to_string(la) + " +" +
               std::to_string(lb ? ob + 1 : ob) + "," + std::to_string(lb) + " @@\n";
        for (size_t x = start; x < end; ++x) emit(out, ops[x].first, ops[x].second);
        k = end;
    }
    return out;
}

} // namespace vb
