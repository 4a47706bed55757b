#pragma once
// TEMPORARY minimal term used while the real one is built on branch `term`.
#include "otp/atom.hpp"
#include "otp/pid.hpp"
#include "otp/ref.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace otp {
class term;
struct term_tuple_box { std::vector<term> items; };
class term {
public:
  term() = default;
  term(atom a) : v_(a) {}
  term(bool b) : v_(b ? atoms::true_ : atoms::false_) {}
  template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
  term(I i) : v_(static_cast<std::int64_t>(i)) {}
  term(pid p) : v_(std::move(p)) {}
  term(ref r) : v_(r) {}
  term(const char* s) : v_(std::string(s)) {}
  term(std::string s) : v_(std::move(s)) {}
  template <class A, class B, class... R>
  term(A&& a, B&& b, R&&... r)
      : v_(std::make_shared<term_tuple_box>(term_tuple_box{{term(std::forward<A>(a)), term(std::forward<B>(b)), term(std::forward<R>(r))...}})) {}
  static term tuple(std::vector<term> items) { term t; t.v_ = std::make_shared<term_tuple_box>(term_tuple_box{std::move(items)}); return t; }
  bool is_atom() const { return std::holds_alternative<atom>(v_); }
  bool is_integer() const { return std::holds_alternative<std::int64_t>(v_); }
  bool is_pid() const { return std::holds_alternative<pid>(v_); }
  bool is_ref() const { return std::holds_alternative<ref>(v_); }
  bool is_tuple() const { return std::holds_alternative<std::shared_ptr<term_tuple_box>>(v_); }
  bool is_nil() const { return std::holds_alternative<std::monostate>(v_); }
  atom as_atom() const { return std::get<atom>(v_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(v_); }
  const pid& as_pid() const { return std::get<pid>(v_); }
  const ref& as_ref() const { return std::get<ref>(v_); }
  std::size_t size() const { return std::get<std::shared_ptr<term_tuple_box>>(v_)->items.size(); }
  const term& operator[](std::size_t i) const { return std::get<std::shared_ptr<term_tuple_box>>(v_)->items[i]; }
  friend bool operator==(const term& a, const term& b) {
    if (a.is_tuple() && b.is_tuple()) return std::get<3>(a.v_)->items == std::get<3>(b.v_)->items;
    return a.v_ == b.v_;
  }
private:
  std::variant<std::monostate, atom, std::int64_t, std::shared_ptr<term_tuple_box>, pid, ref, std::string> v_;
  friend std::string to_string(const term& t);
};
inline std::string to_string(const term& t) {
  if (t.is_atom()) return std::string(t.as_atom().text());
  if (t.is_integer()) return std::to_string(t.as_int());
  if (t.is_pid()) return to_string(t.as_pid());
  if (t.is_ref()) return to_string(t.as_ref());
  if (std::holds_alternative<std::string>(t.v_)) return "<<\"" + std::get<std::string>(t.v_) + "\">>";
  if (t.is_tuple()) { std::string s = "{"; for (std::size_t i = 0; i < t.size(); ++i) { if (i) s += ","; s += to_string(t[i]); } return s + "}"; }
  return "[]";
}
} // namespace otp
