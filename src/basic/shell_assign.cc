#include "basic/shell_assign.h"

#include <cctype>

namespace vb {

namespace {

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
// As the shell reads it, '\r' is no blank: in a CRLF file it ends up in the
// word before it (a value, or `then\r`, which is no keyword).
bool blank(char c) { return c == ' ' || c == '\t'; }
bool word_end(char c) {
    return blank(c) || c == '\n' || c == ';' || c == '&' || c == '|' || c == '<' || c == '>' || c == '(' || c == ')';
}

class Lexer {
public:
    Lexer(std::string_view t, const std::string& path) : t_(t), path_(path) {}

    Result<std::vector<ShellAssignment>> run() {
        std::vector<ShellAssignment> out;
        bool command_start = true;
        bool after_export = false;
        int depth = 0;
        while (i_ < t_.size()) {
            char c = t_[i_];
            if (blank(c)) {
                ++i_;
                continue;
            }
            if (c == '\\' && i_ + 1 < t_.size() && t_[i_ + 1] == '\n') {
                i_ += 2;
                ++line_;
                continue;
            }
            if (c == '\n' || c == ';' || c == '&' || c == '|') {
                if (c == '\n') ++line_;
                ++i_;
                command_start = true;
                after_export = false;
                continue;
            }
            if (c == '#') { // comment to end of line
                while (i_ < t_.size() && t_[i_] != '\n') ++i_;
                continue;
            }
            if (c == '(' || c == ')' || c == '<' || c == '>') {
                if (c == '(') ++depth, command_start = true;
                if (c == ')' && depth > 0) --depth;
                ++i_;
                continue;
            }
            int word_line = line_;
            size_t b = i_;
            Status w = skip_word();
            if (!w) return w.error();
            std::string_view word = t_.substr(b, i_ - b);
            if (!command_start) continue;

            // NAME=value or NAME+=value at the start of a command (or after `export`).
            size_t n = 0;
            if (!word.empty() && name_start(word[0])) {
                while (n < word.size() && name_char(word[n])) ++n;
            }
            const bool append = n > 0 && n + 1 < word.size() && word[n] == '+' && word[n + 1] == '=';
            if (n > 0 && n < word.size() && (word[n] == '=' || append)) {
                ShellAssignment a;
                a.name = std::string(word.substr(0, n));
                a.line = word_line;
                a.append = append;
                a.value_begin = b + n + (append ? 2 : 1);
                // NAME=( ... ): the array runs to its ')', over lines and comments.
                if (a.value_begin == i_ && i_ < t_.size() && t_[i_] == '(') {
                    Status arr = skip_array();
                    if (!arr) return arr.error();
                    a.array = true;
                }
                a.value_end = i_;
                a.raw = std::string(t_.substr(a.value_begin, a.value_end - a.value_begin));
                a.conditional = depth > 0;
                out.push_back(std::move(a));
                continue; // more assignments or a command may follow
            }
            if (word == "export" || word == "readonly") {
                after_export = true;
                continue;
            }
            if (after_export) continue;
            if (word == "if" || word == "case" || word == "while" || word == "until" || word == "for" || word == "{") {
                ++depth;
                open_.push_back({std::string(word), word_line});
                continue; // `if`, `while`, `{` start a command; `for`/`case` words are harmless
            }
            if (word == "then" || word == "else" || word == "elif" || word == "do") continue;
            if (word == "fi" || word == "esac" || word == "done" || word == "}") {
                if (depth > 0) --depth;
                if (Status s = close(word, word_line); !s) return s.error();
                continue;
            }
            command_start = false; // an ordinary command: its words are arguments
        }
        if (!open_.empty())
            return not_shell(open_.back().second,
                             "`" + open_.back().first + "` is never closed (no `" + closer(open_.back().first) + "`)");
        return out;
    }

private:
    static std::string closer(const std::string& opener) {
        if (opener == "if") return "fi";
        if (opener == "case") return "esac";
        if (opener == "{") return "}";
        return "done";
    }
    // The compound commands must nest as the shell requires: a file it cannot
    // read is not one to edit (nor to trust what we read from it).
    Status close(std::string_view word, int line) {
        if (open_.empty() || closer(open_.back().first) != word)
            return not_shell(line, "`" + std::string(word) + "` closes nothing" +
                                       (open_.empty() ? std::string() : " (`" + open_.back().first + "` is open)"));
        open_.pop_back();
        return {};
    }
    Error not_shell(int line, const std::string& what) const {
        std::string msg = path_ + ":" + std::to_string(line) + ": " + what + ": the shell cannot read this file";
        if (t_.find("\r\n") != std::string_view::npos)
            msg += " (it has DOS line endings, and a keyword followed by a carriage return is no keyword; "
                   "convert it with dos2unix and run again)";
        return make_error(EINVAL, msg);
    }

    Error unbalanced(const char* what, int line) const {
        return make_error(EINVAL, path_ + ":" + std::to_string(line) + ": " + what + " is never closed");
    }

    // Advances over "( ... )" at i_: words, quotes, comments and newlines.
    Status skip_array() {
        const int start = line_;
        for (++i_; i_ < t_.size() && t_[i_] != ')';) {
            char c = t_[i_];
            if (c == '#' && (blank(t_[i_ - 1]) || t_[i_ - 1] == '\n' || t_[i_ - 1] == '(')) {
                while (i_ < t_.size() && t_[i_] != '\n') ++i_;
            } else if (blank(c) || c == '\n') {
                if (c == '\n') ++line_;
                ++i_;
            } else if (Status s = skip_unit(); !s) {
                return s;
            }
        }
        if (i_ >= t_.size()) return unbalanced("an array's (", start);
        ++i_;
        return {};
    }

    // Advances over one shell word, following quotes and substitutions.
    Status skip_word() {
        while (i_ < t_.size() && !word_end(t_[i_])) {
            Status s = skip_unit();
            if (!s) return s;
        }
        return {};
    }

    // One character, quoted string or substitution.
    Status skip_unit() {
        char c = t_[i_];
        int start = line_;
        if (c == '\\') {
            i_ += 2;
            if (i_ <= t_.size() && t_[i_ - 1] == '\n') ++line_;
            if (i_ > t_.size()) i_ = t_.size();
            return {};
        }
        if (c == '\'') {
            for (++i_; i_ < t_.size() && t_[i_] != '\''; ++i_)
                if (t_[i_] == '\n') ++line_;
            if (i_ >= t_.size()) return unbalanced("a single quote", start);
            ++i_;
            return {};
        }
        if (c == '"') {
            ++i_;
            while (i_ < t_.size() && t_[i_] != '"') {
                if (t_[i_] == '\\') {
                    if (i_ + 1 < t_.size() && t_[i_ + 1] == '\n') ++line_;
                    i_ += 2;
                    continue;
                }
                if (t_[i_] == '$' || t_[i_] == '`') {
                    Status s = skip_unit();
                    if (!s) return s;
                    continue;
                }
                if (t_[i_] == '\n') ++line_;
                ++i_;
            }
            if (i_ >= t_.size()) return unbalanced("a double quote", start);
            ++i_;
            return {};
        }
        if (c == '`') {
            for (++i_; i_ < t_.size() && t_[i_] != '`'; ++i_) {
                if (t_[i_] == '\\') ++i_;
                else if (t_[i_] == '\n') ++line_;
            }
            if (i_ >= t_.size()) return unbalanced("a backquote", start);
            ++i_;
            return {};
        }
        if (c == '$' && i_ + 1 < t_.size() && (t_[i_ + 1] == '(' || t_[i_ + 1] == '{')) {
            char open = t_[i_ + 1], close = open == '(' ? ')' : '}';
            i_ += 2;
            int nest = 1;
            while (i_ < t_.size()) {
                char d = t_[i_];
                if (d == '\'' || d == '"' || d == '`' || d == '\\' ||
                    (d == '$' && i_ + 1 < t_.size() && (t_[i_ + 1] == '(' || t_[i_ + 1] == '{'))) {
                    Status s = skip_unit();
                    if (!s) return s;
                    continue;
                }
                if (d == '\n') ++line_;
                if (d == open) ++nest;
                if (d == close && --nest == 0) break;
                ++i_;
            }
            if (i_ >= t_.size()) return unbalanced(open == '(' ? "a $( substitution" : "a ${ expansion", start);
            ++i_;
            return {};
        }
        if (c == '\n') ++line_;
        ++i_;
        return {};
    }

    std::string_view t_;
    const std::string& path_;
    size_t i_ = 0;
    int line_ = 1;
    std::vector<std::pair<std::string, int>> open_; // compound commands not closed yet, with their lines
};

} // namespace

Result<std::vector<ShellAssignment>> parse_shell_assignments(std::string_view text, const std::string& path) {
    return Lexer(text, path).run();
}

Result<std::vector<std::string>> shell_array_words(std::string_view raw) {
    if (raw.size() < 2 || raw.front() != '(' || raw.back() != ')') return make_error(EINVAL, "not an array");
    std::vector<std::string> out;
    std::string body(raw.substr(1, raw.size() - 2));
    size_t i = 0;
    while (i < body.size()) {
        char c = body[i];
        if (blank(c) || c == '\n') {
            ++i;
        } else if (c == '#') {
            while (i < body.size() && body[i] != '\n') ++i;
        } else {
            size_t b = i;
            while (i < body.size() && !blank(body[i]) && body[i] != '\n') {
                if (body[i] == '\'' || body[i] == '"') {
                    size_t e = body.find(body[i], i + 1);
                    i = e == std::string::npos ? body.size() : e + 1;
                } else {
                    ++i;
                }
            }
            auto word = expand_shell_word(std::string_view(body).substr(b, i - b), {});
            if (!word || body.find_first_of("$`", b) < i)
                return make_error(EINVAL, "the element " + body.substr(b, i - b) + " needs bash to expand it");
            out.push_back(std::move(*word));
        }
    }
    return out;
}

Result<std::string> expand_shell_word(std::string_view raw, const std::map<std::string, std::string>& vars) {
    std::string out;
    auto lookup = [&](const std::string& name) {
        auto it = vars.find(name);
        return it == vars.end() ? std::string() : it->second;
    };
    // Expands $NAME / ${NAME} at raw[i] ('$'); returns false for forms we refuse.
    auto dollar = [&](size_t& i) -> bool {
        if (i + 1 < raw.size() && raw[i + 1] == '{') {
            size_t e = raw.find('}', i + 2);
            if (e == std::string_view::npos) return false;
            std::string name(raw.substr(i + 2, e - i - 2));
            if (name.empty() || !name_start(name[0])) return false;
            for (char c : name)
                if (!name_char(c)) return false;
            out += lookup(name);
            i = e + 1;
            return true;
        }
        size_t e = i + 1;
        if (e < raw.size() && name_start(raw[e])) {
            while (e < raw.size() && name_char(raw[e])) ++e;
            out += lookup(std::string(raw.substr(i + 1, e - i - 1)));
            i = e;
            return true;
        }
        if (e < raw.size() && (raw[e] == '(' || std::isdigit(static_cast<unsigned char>(raw[e])) ||
                               std::string_view("@*#?$!-").find(raw[e]) != std::string_view::npos))
            return false;
        out += '$'; // a lone '$' is literal
        i = e;
        return true;
    };
    auto refuse = [&]() {
        return make_error(EINVAL, "the value " + std::string(raw) + " uses a substitution whose value cannot be known");
    };
    size_t i = 0;
    // $, ` and plain characters read the same inside double quotes and out.
    auto ordinary = [&](char ch) {
        if (ch == '$') return dollar(i);
        if (ch == '`') return false;
        out += ch;
        ++i;
        return true;
    };
    while (i < raw.size()) {
        char c = raw[i];
        if (c == '\'') {
            size_t e = raw.find('\'', i + 1);
            if (e == std::string_view::npos) return make_error(EINVAL, "unbalanced single quote");
            out.append(raw.substr(i + 1, e - i - 1));
            i = e + 1;
        } else if (c == '"') {
            ++i;
            while (i < raw.size() && raw[i] != '"') {
                char d = raw[i];
                if (d == '\\' && i + 1 < raw.size()) {
                    char n = raw[i + 1];
                    if (n == '\n') {
                        i += 2;
                        continue;
                    }
                    if (n == '$' || n == '`' || n == '"' || n == '\\') {
                        out += n;
                        i += 2;
                        continue;
                    }
                    out += d;
                    ++i;
                } else if (!ordinary(d)) {
                    return refuse();
                }
            }
            if (i >= raw.size()) return make_error(EINVAL, "unbalanced double quote");
            ++i;
        } else if (c == '\\') {
            if (i + 1 < raw.size() && raw[i + 1] != '\n') out += raw[i + 1];
            i += 2;
        } else if (!ordinary(c)) {
            return refuse();
        }
    }
    return out;
}

Result<ShellWordMap> map_shell_word(std::string_view raw) {
    ShellWordMap m;
    auto put = [&](char c, size_t b, size_t e, char q) {
        m.value += c;
        m.begin.push_back(b);
        m.end.push_back(e);
        m.quote.push_back(q);
    };
    auto runs_command = [&] {
        return make_error(EINVAL, "the value " + std::string(raw) + " runs a command; edit it by hand");
    };
    size_t i = 0;
    while (i < raw.size()) {
        const char c = raw[i];
        if (c == '\'') {
            size_t e = raw.find('\'', i + 1);
            if (e == std::string_view::npos) return make_error(EINVAL, "unbalanced single quote");
            for (size_t k = i + 1; k < e; ++k) put(raw[k], k, k + 1, '\'');
            i = e + 1;
        } else if (c == '"') {
            for (++i; i < raw.size() && raw[i] != '"';) {
                const char d = raw[i];
                if (d == '\\' && i + 1 < raw.size() && raw[i + 1] == '\n') {
                    i += 2; // a continued line: nothing in the value
                } else if (d == '\\' && i + 1 < raw.size() &&
                           std::string_view("$`\"\\").find(raw[i + 1]) != std::string_view::npos) {
                    put(raw[i + 1], i, i + 2, '"');
                    i += 2;
                } else if (d == '`' || (d == '$' && i + 1 < raw.size() && raw[i + 1] == '(')) {
                    return runs_command();
                } else {
                    put(d, i, i + 1, '"');
                    ++i;
                }
            }
            if (i >= raw.size()) return make_error(EINVAL, "unbalanced double quote");
            ++i;
        } else if (c == '\\') {
            if (i + 1 < raw.size() && raw[i + 1] != '\n') put(raw[i + 1], i, i + 2, 0);
            i += 2;
        } else if (c == '`' || (c == '$' && i + 1 < raw.size() && raw[i + 1] == '(')) {
            return runs_command();
        } else {
            put(c, i, i + 1, 0);
            ++i;
        }
    }
    return m;
}

} // namespace vb
