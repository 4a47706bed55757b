#pragma once
/// The boxes that hold terms, and `otp::term`'s inline and template members.
/// Included at the end of `otp/term.hpp`; not meant to be included alone.

#include "otp/term.hpp"

#include <new>
#include <typeinfo>

namespace otp::detail {

/// A ref of another node (local refs are stored inline).
struct remote_ref_box : box {
  explicit remote_ref_box(const ref& r) noexcept
      : box(box_type::remote_ref), value(r) {}
  ref value;
};

/// A tuple: the arity, then the elements at `box_payload_offset`.
struct tuple_box : box {
  explicit tuple_box(std::uint32_t n) noexcept
      : box(box_type::tuple), size(n) {}

  [[nodiscard]] term* elements() noexcept {
    return std::launder(reinterpret_cast<term*>(reinterpret_cast<char*>(this) +
                                                box_payload_offset));
  }
  [[nodiscard]] const term* elements() const noexcept {
    return std::launder(reinterpret_cast<const term*>(
        reinterpret_cast<const char*>(this) + box_payload_offset));
  }

  std::uint32_t size;
};
static_assert(sizeof(tuple_box) <= box_payload_offset);

/// Allocates a tuple box for `n` elements; the caller constructs them.
[[nodiscard]] tuple_box* make_tuple_box(std::size_t n);

/// A cons cell `[head | tail]`.
struct cons_box : box {
  cons_box(term h, term t) noexcept
      : box(box_type::cons), head(std::move(h)), tail(std::move(t)) {
    has_any = head.contains_any() || tail.contains_any();
  }
  /// Cells come from the runtime's pool, as tuples do: every gen call's
  /// tag `[alias | Ref]` is one, and lists are built a cell at a time.
  static void* operator new(std::size_t size);
  static void operator delete(void* p, std::size_t size) noexcept;

  term head;
  term tail;
};

/// A map: entries sorted by Erlang's map key order, at `box_payload_offset`.
struct map_box : box {
  explicit map_box(std::uint32_t n) noexcept : box(box_type::map), size(n) {}

  [[nodiscard]] map_entry* entries() noexcept {
    return std::launder(reinterpret_cast<map_entry*>(
        reinterpret_cast<char*>(this) + box_payload_offset));
  }
  [[nodiscard]] const map_entry* entries() const noexcept {
    return std::launder(reinterpret_cast<const map_entry*>(
        reinterpret_cast<const char*>(this) + box_payload_offset));
  }

  std::uint32_t size;
};
static_assert(sizeof(map_box) <= box_payload_offset);

/// An arbitrary C++ value. `id` orders and hashes it (stable for the life
/// of the value); `type` checks reads.
struct any_box : box {
  using destroy_fn = void (*)(any_box*) noexcept;
  any_box(const std::type_info& t, destroy_fn d) noexcept;

  const std::type_info* type;
  std::uint64_t id;
  destroy_fn destroy;
};

template <class T>
struct any_box_of final : any_box {
  template <class... Args>
  explicit any_box_of(Args&&... args)
      : any_box(typeid(T), &destroy_this), value(std::forward<Args>(args)...) {}

  static void destroy_this(any_box* b) noexcept {
    delete static_cast<any_box_of*>(b);
  }

  T value;
};

/// Private access to terms for the boxes' code.
struct term_access {
  [[nodiscard]] static tag tag_of(const term& t) noexcept { return t.tag_; }
  [[nodiscard]] static box* box_of(const term& t) noexcept {
    return t.is_boxed() ? t.box_ : nullptr;
  }
  [[nodiscard]] static std::uint64_t word_of(const term& t) noexcept {
    return t.word_;
  }
  [[nodiscard]] static term from_box(tag tg, box* b) noexcept {
    term t;
    t.adopt(tg, b);
    return t;
  }
  /// Forgets the payload without releasing it (the caller took it over).
  static void forget(term& t) noexcept {
    t.tag_ = tag::nil;
    t.word_ = 0;
  }
};

[[noreturn]] void throw_bad_any(const term& t, const std::type_info& wanted);
[[noreturn]] void throw_bad_integer(const term& t, std::int64_t min,
                                    std::uint64_t max);

} // namespace otp::detail

#include "otp/detail/term_convert.hpp"

namespace otp {

template <detail::term_arg... Ts>
term term::tuple(Ts&&... elems) {
  if constexpr (sizeof...(Ts) == 0) {
    return detail::term_access::from_box(detail::tag::tuple, nullptr);
  } else if constexpr (!(std::is_nothrow_constructible_v<term, Ts> && ...)) {
    // Convert first, so a throwing conversion cannot leave a half-built box.
    return tuple(term(std::forward<Ts>(elems))...);
  } else {
    auto* b = detail::make_tuple_box(sizeof...(Ts));
    term* out = b->elements();
    (new (out++) term(std::forward<Ts>(elems)), ...);
    for (const term& e : std::span<const term>{b->elements(), sizeof...(Ts)})
      b->has_any = b->has_any || e.contains_any();
    return detail::term_access::from_box(detail::tag::tuple, b);
  }
}

template <detail::movable_in T>
term term::any(T&& value) {
  return make_any<std::remove_cvref_t<T>>(std::move(value));
}

template <class T, class... Args>
term term::make_any(Args&&... args) {
  static_assert(!std::is_same_v<T, term>, "a term is already a term");
  auto* b = new detail::any_box_of<T>(std::forward<Args>(args)...);
  return detail::term_access::from_box(detail::tag::any, b);
}

inline bool term::is_tuple(std::size_t arity) const noexcept {
  if (tag_ != detail::tag::tuple)
    return false;
  return (box_ ? static_cast<const detail::tuple_box*>(box_)->size : 0) ==
         arity;
}

inline std::span<const term> term::elements() const {
  if (tag_ != detail::tag::tuple)
    throw_bad_access("tuple");
  if (!box_)
    return {};
  auto* b = static_cast<const detail::tuple_box*>(box_);
  return {b->elements(), b->size};
}

inline const term& term::operator[](std::size_t i) const {
  auto elems = elements();
  if (i >= elems.size()) [[unlikely]]
    throw_index_out_of_range(); // out of line: this stays small to inline
  return elems[i];
}

inline const term& term::head() const {
  if (tag_ != detail::tag::cons)
    throw_bad_access("non-empty list");
  return static_cast<const detail::cons_box*>(box_)->head;
}

inline const term& term::tail() const {
  if (tag_ != detail::tag::cons)
    throw_bad_access("non-empty list");
  return static_cast<const detail::cons_box*>(box_)->tail;
}

inline list_view term::as_list() const {
  if (!is_list())
    throw_bad_access("list");
  return list_view{*this};
}

inline map_view term::as_map() const {
  if (tag_ != detail::tag::map)
    throw_bad_access("map");
  if (!box_)
    return {nullptr, 0};
  auto* b = static_cast<const detail::map_box*>(box_);
  return {b->entries(), b->size};
}

inline std::string_view term::as_binary() const {
  if (tag_ != detail::tag::binary)
    throw_bad_access("binary");
  if (!box_)
    return {};
  auto* b = static_cast<const detail::binary_box*>(box_);
  return {reinterpret_cast<const char*>(b->data), b->size};
}

inline std::span<const std::byte> term::as_bytes() const {
  auto s = as_binary();
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

inline bool term::contains_any() const noexcept {
  return is_boxed() && box_ && box_->has_any;
}

template <class T>
bool term::is() const noexcept {
  return detail::term_convert<std::remove_cv_t<T>>::check(*this);
}

template <class T>
decltype(auto) term::get() const {
  return detail::term_convert<std::remove_cv_t<T>>::get(*this);
}

template <class T>
auto term::try_get() const {
  return detail::term_convert<std::remove_cv_t<T>>::try_get(*this);
}

template <class T>
std::optional<T> term::take() && {
  static_assert(detail::term_convert<T>::stores_any,
                "take<T> moves out values stored with term::any");
  const T* p = detail::term_convert<T>::try_get(*this);
  if (!p || !box_->unique())
    return std::nullopt;
  // The only reference: no other thread can read the value while it moves.
  return std::optional<T>{std::move(*const_cast<T*>(p))};
}

} // namespace otp
