#include "otp/server_ref.hpp"

#include "otp/detail/type_name.hpp"
#include "otp/runtime.hpp"
#include "runtime_core.hpp"

#include <typeinfo>

namespace otp {
namespace {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

term via_term(const registry& reg, const term& name) {
  return term{atom{"via"}, atom{detail::type_name(typeid(reg))}, name};
}

} // namespace

registry& global_names(const runtime& rt) {
  return rt.core().global_names;
}

bool server_name::register_as(detail::runtime_core& rt, const pid& p) const {
  return std::visit(
      overloaded{
          [&](atom a) { return rt.register_name(a, p).has_value(); },
          [&](const global_name& g) {
            return rt.global_names.register_name(g.name, p);
          },
          [&](const via_name& v) { return v.reg->register_name(v.name, p); }},
      name_);
}

void server_name::unregister(detail::runtime_core& rt, const pid& p) const {
  if (whereis(rt) != p)
    return;
  std::visit(
      overloaded{[&](atom a) { (void)rt.unregister(a); },
                 [&](const global_name& g) {
                   rt.global_names.unregister_name(g.name);
                 },
                 [&](const via_name& v) { v.reg->unregister_name(v.name); }},
      name_);
}

pid server_name::whereis(detail::runtime_core& rt) const {
  return std::visit(overloaded{[&](atom a) { return rt.whereis(a); },
                               [&](const global_name& g) {
                                 return rt.global_names.whereis_name(g.name);
                               },
                               [&](const via_name& v) {
                                 return v.reg->whereis_name(v.name);
                               }},
                    name_);
}

term server_name::to_term() const {
  return std::visit(
      overloaded{[](atom a) { return term{a}; },
                 [](const global_name& g) {
                   return term{atom{"global"}, g.name};
                 },
                 [](const via_name& v) { return via_term(*v.reg, v.name); }},
      name_);
}

server_ref::server_ref(const server_name& n)
    : ref_(std::visit([](const auto& v) -> decltype(ref_) { return v; },
                      n.name_)) {}

pid server_ref::resolve(detail::runtime_core& rt) const {
  return std::visit(overloaded{[](const pid& p) { return p; },
                               [&](atom a) { return rt.whereis(a); },
                               [&](const global_name& g) {
                                 return rt.global_names.whereis_name(g.name);
                               },
                               [](const server_name::via_name& v) {
                                 return v.reg->whereis_name(v.name);
                               }},
                    ref_);
}

term server_ref::to_term() const {
  return std::visit(overloaded{[](const pid& p) { return term{p}; },
                               [](atom a) { return term{a}; },
                               [](const global_name& g) {
                                 return term{atom{"global"}, g.name};
                               },
                               [](const server_name::via_name& v) {
                                 return via_term(*v.reg, v.name);
                               }},
                    ref_);
}

} // namespace otp
