#pragma once
/// `otp::term`: an Erlang value (a message, an exit reason, a call request).
///
/// ## Representation
///
/// A term is 16 bytes: an 8-byte payload and a one-byte tag. What the payload
/// holds depends on the tag:
///
/// | kind                       | payload                                  |
/// |----------------------------|------------------------------------------|
/// | `[]` (nil, the default)    | nothing                                  |
/// | integer that fits int64    | the integer                              |
/// | float                      | the double                               |
/// | atom                       | the atom's index                         |
/// | local ref                  | the ref's 64-bit counter                 |
/// | pid                        | the pid itself (an intrusive pointer)    |
/// | bignum, remote ref         | pointer to a box                         |
/// | binary, tuple, cons, map   | pointer to a box (null when empty)       |
/// | any (a C++ value)          | pointer to a box                         |
///
/// So atoms, small integers, floats, local refs, nil, `{}`, `#{}` and `<<>>`
/// never allocate, and copying a term holding a pid is one refcount
/// increment.
///
/// ## Ownership
///
/// Boxes (see `otp/detail/term_box.hpp`) are immutable and refcounted with
/// atomic counts: copying a term shares its box, so copying a large tuple or
/// list costs one atomic increment, and a term may be sent to another thread
/// while the sender keeps a copy. A list is a chain of shared cons cells, so
/// `t.tail()` shares the rest of `t`, and a sub-binary shares its parent's
/// bytes. Moving a term is a few stores and never throws; the moved-from term
/// is `[]`. References returned by accessors (`operator[]`, `head()`,
/// `as_binary()`, ...) live as long as some term holds the box.
///
/// Values have exactly one representation (an integer that fits int64 is
/// never a bignum, an empty tuple never has a box), so equality can compare
/// tags first.
///
/// ## Semantics
///
/// - `==` is Erlang's `=:=` (`1` and `1.0` differ; `0.0 =:= -0.0` as in
///   OTP 25). `equal(a, b)` is Erlang's `==` (`1 == 1.0`).
/// - `<=>` is Erlang's term order: number < atom < ref < any < pid < tuple
///   < map < nil < list < binary (`any` values sit where funs do, ordered by
///   creation). Integers and floats compare by exact value. Erlang's order
///   calls `1` and `1.0` equal; to stay total and agree with `==`, `<=>`
///   then puts the integer first (so `{1} < {1.0}`, while `{1,2} > {1.0,1}`
///   exactly as in Erlang).
/// - Map keys are kept in Erlang's map key order (every integer before
///   every float), which is also how maps compare and print.
/// - Printing follows `io_lib:format("~p")` on one line. Erlang prints maps
///   of more than 32 keys in hash order; otp++ always prints key order.
/// - Floats are never NaN or infinite in Erlang; if one gets in anyway, NaN
///   equals itself and sorts after every other float.
///
/// `any` terms carry an arbitrary C++ value for local messages; they cannot
/// cross nodes (`contains_any()` lets the encoder refuse them).
///
/// ## Threads
///
/// Like `std::shared_ptr`: different term objects may be used from
/// different threads even when they share boxes (the boxes never change),
/// but one term object written by one thread must not be read by another
/// at the same time.

#include "otp/atom.hpp"
#include "otp/bignum.hpp"
#include "otp/detail/term_box.hpp"
#include "otp/pid.hpp"
#include "otp/ref.hpp"

#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <fmt/core.h>
#include <initializer_list>
#include <iosfwd>
#include <new>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace otp {

/// What a term is. Ordered as Erlang orders the kinds (integer and float
/// together are Erlang's "number"); `cons` is a non-empty list.
enum class term_kind : std::uint8_t {
  integer,
  float_,
  atom,
  ref,
  any,
  pid,
  tuple,
  map,
  nil,
  cons,
  binary,
};

/// `"integer"`, `"float"`, `"atom"`, ... (`cons` is `"list"`).
[[nodiscard]] std::string_view to_string(term_kind k) noexcept;

/// Thrown when a term is read as something it is not (a programming error
/// in the reader, hence a logic_error).
class bad_term_access : public std::logic_error {
public:
  /// "otp::term: expected tuple, got atom".
  bad_term_access(std::string_view expected, term_kind actual);
  explicit bad_term_access(const std::string& what);
};

class term;
struct map_entry;
class list_view;
class map_view;

namespace detail {

/// The tag byte. Kinds with nothing to release come first, then pid, then
/// boxes; `release` and copy test ranges of tags.
enum class tag : std::uint8_t {
  nil,
  small_int,
  float_,
  atom,
  local_ref,
  pid,
  big_int,
  remote_ref,
  binary,
  tuple,
  cons,
  map,
  any,
};

struct term_access;
struct any_box;

/// How `get<T>`, `try_get<T>` and `is<T>` read a `T` (see term_convert.hpp).
/// The primary template handles `any` values.
template <class T>
struct term_convert;

/// What a term can be built from (tuple elements, pattern literals).
template <class T>
concept term_arg = std::is_constructible_v<term, T> &&
    !std::is_same_v<std::remove_cvref_t<T>, std::nullptr_t>;

/// What `term::any` accepts: an rvalue, so the value is moved, never copied.
template <class T>
concept movable_in = !std::is_lvalue_reference_v<T>;

} // namespace detail

class term {
public:
  // -- construction ----------------------------------------------------------

  /// `[]` (nil).
  term() noexcept : word_(0), tag_(detail::tag::nil) {}

  term(const term& other) noexcept : tag_(other.tag_) { copy_payload(other); }
  term(term&& other) noexcept : tag_(other.tag_) { steal_payload(other); }
  term& operator=(const term& other) noexcept {
    // Copy first: `other` may live inside a box that `*this` releases.
    term copy{other};
    return *this = std::move(copy);
  }
  term& operator=(term&& other) noexcept {
    if (this != &other) {
      term moved{std::move(other)}; // `other` may live inside our box
      release();
      tag_ = moved.tag_;
      steal_payload(moved);
    }
    return *this;
  }
  ~term() { release(); }

  /// An atom.
  term(atom a) noexcept : word_(a.index()), tag_(detail::tag::atom) {}

  /// The atoms `true` and `false` (constrained so pointers do not convert).
  template <std::same_as<bool> B>
  term(B b) noexcept : term(b ? atoms::true_ : atoms::false_) {}

  /// Any built-in integer; values beyond int64 (large uint64) become
  /// bignums.
  template <detail::integer I>
  term(I i) noexcept(std::is_signed_v<I> || sizeof(I) < 8) {
    if constexpr (std::is_signed_v<I> || sizeof(I) < 8) {
      word_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(i));
      tag_ = detail::tag::small_int;
    } else {
      init_unsigned(static_cast<std::uint64_t>(i));
    }
  }

  /// A float.
  template <std::floating_point F>
  term(F f) noexcept
      : float_(static_cast<double>(f)), tag_(detail::tag::float_) {}

  /// A pid (shares the pid's block: one refcount increment for a copy).
  term(pid p) noexcept : pid_(std::move(p)), tag_(detail::tag::pid) {}

  /// A ref; local refs are stored inline, refs of other nodes in a box.
  term(const ref& r);

  /// An integer of any size (stored inline when it fits int64).
  term(const bignum& b);

  /// A binary holding a copy of the bytes (Elixir-style strings).
  term(std::string_view bytes);
  term(const char* bytes) : term(std::string_view{bytes}) {}
  term(const std::string& bytes) : term(std::string_view{bytes}) {}
  term(std::nullptr_t) = delete;

  /// The tuple `{a, b, ...}`: `term{"add"_a, 5}`. Needs two or more elements,
  /// so `term{x}` stays a copy of `x`; use `term::tuple(x)` for `{x}`.
  template <detail::term_arg A, detail::term_arg B, detail::term_arg... Rest>
  term(A&& a, B&& b, Rest&&... rest)
      : term(tuple(std::forward<A>(a), std::forward<B>(b),
                   std::forward<Rest>(rest)...)) {}

  /// The same for elements that are themselves braced tuples:
  /// `term{"reply"_a, {"ok"_a, 1}}`.
  term(term a, term b) : term(tuple(std::move(a), std::move(b))) {}
  term(term a, term b, term c)
      : term(tuple(std::move(a), std::move(b), std::move(c))) {}
  term(term a, term b, term c, term d)
      : term(tuple(std::move(a), std::move(b), std::move(c), std::move(d))) {}

  /// A tuple of any arity: `term::tuple()` is `{}`, `term::tuple(x)` is `{x}`.
  template <detail::term_arg... Ts>
  [[nodiscard]] static term tuple(Ts&&... elems);
  [[nodiscard]] static term tuple_from(std::span<const term> elems);

  /// A proper list.
  [[nodiscard]] static term list(std::initializer_list<term> elems);
  [[nodiscard]] static term list(std::span<const term> elems);
  /// `[e1, e2, ... | tail]`.
  [[nodiscard]] static term improper_list(std::initializer_list<term> elems,
                                          term tail);
  [[nodiscard]] static term improper_list(std::span<const term> elems,
                                          term tail);
  /// `[head | tail]` (shares `tail`).
  [[nodiscard]] static term cons(term head, term tail);
  /// Erlang's string: the list of the text's code points (UTF-8 decoded;
  /// bytes that are not valid UTF-8 are taken as Latin-1).
  [[nodiscard]] static term charlist(std::string_view utf8);

  /// A map; with duplicate keys the last wins (as in `#{a => 1, a => 2}`).
  [[nodiscard]] static term
  map(std::initializer_list<std::pair<term, term>> entries);
  [[nodiscard]] static term map(std::span<const std::pair<term, term>> entries);

  /// A binary holding a copy of the bytes.
  [[nodiscard]] static term binary(std::span<const std::byte> bytes);
  [[nodiscard]] static term binary(std::span<const std::uint8_t> bytes);
  [[nodiscard]] static term binary(std::string_view bytes);

  /// An integer from decimal text (optional sign); throws
  /// std::invalid_argument for anything else.
  [[nodiscard]] static term parse_integer(std::string_view decimal);

  /// A C++ value moved into the term, for local messages only (see
  /// `contains_any`). Read it back with `get<T>()` / `try_get<T>()`, or take
  /// it out with `std::move(t).take<T>()`. Never copies `value`.
  template <detail::movable_in T>
  [[nodiscard]] static term any(T&& value);
  /// The same, constructing the value in place.
  template <class T, class... Args>
  [[nodiscard]] static term make_any(Args&&... args);

  // -- kind ------------------------------------------------------------------

  [[nodiscard]] term_kind kind() const noexcept;

  [[nodiscard]] bool is_atom() const noexcept {
    return tag_ == detail::tag::atom;
  }
  /// Whether this is the atom `a` (cheaper than `t == a`).
  [[nodiscard]] bool is_atom(atom a) const noexcept {
    return tag_ == detail::tag::atom && word_ == a.index();
  }
  [[nodiscard]] bool is_integer() const noexcept {
    return tag_ == detail::tag::small_int || tag_ == detail::tag::big_int;
  }
  /// An integer beyond int64.
  [[nodiscard]] bool is_bignum() const noexcept {
    return tag_ == detail::tag::big_int;
  }
  [[nodiscard]] bool is_float() const noexcept {
    return tag_ == detail::tag::float_;
  }
  [[nodiscard]] bool is_number() const noexcept {
    return is_integer() || is_float();
  }
  [[nodiscard]] bool is_binary() const noexcept {
    return tag_ == detail::tag::binary;
  }
  /// `[]` or a cons cell (proper or not).
  [[nodiscard]] bool is_list() const noexcept {
    return tag_ == detail::tag::nil || tag_ == detail::tag::cons;
  }
  [[nodiscard]] bool is_nil() const noexcept {
    return tag_ == detail::tag::nil;
  }
  [[nodiscard]] bool is_cons() const noexcept {
    return tag_ == detail::tag::cons;
  }
  [[nodiscard]] bool is_tuple() const noexcept {
    return tag_ == detail::tag::tuple;
  }
  /// A tuple of `arity` elements.
  [[nodiscard]] bool is_tuple(std::size_t arity) const noexcept;
  [[nodiscard]] bool is_map() const noexcept {
    return tag_ == detail::tag::map;
  }
  [[nodiscard]] bool is_pid() const noexcept {
    return tag_ == detail::tag::pid;
  }
  [[nodiscard]] bool is_ref() const noexcept {
    return tag_ == detail::tag::local_ref || tag_ == detail::tag::remote_ref;
  }
  [[nodiscard]] bool is_any() const noexcept {
    return tag_ == detail::tag::any;
  }

  /// Whether `get<T>()` would succeed.
  template <class T>
  [[nodiscard]] bool is() const noexcept;

  // -- access (wrong kind: bad_term_access) -----------------------------------

  [[nodiscard]] atom as_atom() const {
    if (tag_ != detail::tag::atom)
      throw_bad_access("atom");
    return atom::from_index(static_cast<std::uint32_t>(word_));
  }
  /// An integer that fits int64 (a bignum throws bad_term_access).
  [[nodiscard]] std::int64_t as_int() const {
    if (tag_ != detail::tag::small_int)
      throw_bad_access("integer in the range of int64");
    return static_cast<std::int64_t>(word_);
  }
  /// A float (integers are not converted: `1` is not `1.0`).
  [[nodiscard]] double as_double() const {
    if (tag_ != detail::tag::float_)
      throw_bad_access("float");
    return float_;
  }
  [[nodiscard]] const pid& as_pid() const {
    if (tag_ != detail::tag::pid)
      throw_bad_access("pid");
    return pid_;
  }
  [[nodiscard]] ref as_ref() const;
  /// Any integer as a bignum.
  [[nodiscard]] bignum as_bignum() const;
  /// A binary's bytes (valid while a term holds the binary).
  [[nodiscard]] std::string_view as_binary() const;
  [[nodiscard]] std::span<const std::byte> as_bytes() const;

  /// Tuple arity, map size or binary byte size.
  [[nodiscard]] std::size_t size() const;
  /// Tuple element `i`; throws bad_term_access for a non-tuple and
  /// std::out_of_range for a bad index (same as `at`).
  [[nodiscard]] const term& operator[](std::size_t i) const;
  [[nodiscard]] const term& at(std::size_t i) const { return (*this)[i]; }
  /// A tuple's elements.
  [[nodiscard]] std::span<const term> elements() const;

  /// A cons cell's head and tail.
  [[nodiscard]] const term& head() const;
  [[nodiscard]] const term& tail() const;
  /// A list (nil or cons) as a range of its elements.
  [[nodiscard]] list_view as_list() const;
  /// Whether this is a list ending in `[]`. O(length).
  [[nodiscard]] bool is_proper_list() const noexcept;

  /// A map's value for `key` (exact match), or null.
  [[nodiscard]] const term* find(const term& key) const;
  /// A map as a range of `map_entry` (keys in Erlang's map key order).
  [[nodiscard]] map_view as_map() const;

  /// `len` bytes from `offset`, sharing this binary's buffer (no copy).
  /// Throws std::out_of_range past the end.
  [[nodiscard]] term sub_binary(std::size_t offset, std::size_t len) const;

  /// Typed reads: integrals (range checked), floating point (floats only),
  /// bool (the atoms), atom, pid, ref, bignum (any integer), std::string and
  /// std::string_view (binaries), term, and any other `T` stored with
  /// `term::any` (exact type). `get` returns `T` and throws
  /// bad_term_access; `try_get` returns `std::optional<T>`. For values that
  /// live inside the term (`any` values, `term` itself) they return
  /// `const T&` and `const T*` instead, so `if (auto v = t.try_get<T>())
  /// use(*v);` reads the same for every `T`.
  template <class T>
  [[nodiscard]] decltype(auto) get() const;
  template <class T>
  [[nodiscard]] auto try_get() const;

  /// Moves an `any` value out when this term holds the only reference to it
  /// (otherwise, or for another type, nothing).
  template <class T>
  [[nodiscard]] std::optional<T> take() &&;

  /// Whether an `any` value is inside (O(1): boxes record it when built).
  [[nodiscard]] bool contains_any() const noexcept;

  // -- comparison ------------------------------------------------------------

  /// Erlang's `=:=`.
  friend bool operator==(const term& a, const term& b) noexcept {
    if (a.tag_ != b.tag_)
      return false;
    if (a.tag_ < detail::tag::float_ || a.tag_ == detail::tag::atom ||
        a.tag_ == detail::tag::local_ref)
      return a.word_ == b.word_; // nil, small int, atom, local ref
    return equal_slow(a, b);
  }
  /// Erlang's term order, integers before equal floats.
  friend std::strong_ordering operator<=>(const term& a,
                                          const term& b) noexcept {
    return compare(a, b);
  }

  [[nodiscard]] std::size_t hash() const noexcept;

  void swap(term& other) noexcept {
    term tmp{std::move(other)};
    other = std::move(*this);
    *this = std::move(tmp);
  }

private:
  friend struct detail::term_access;
  template <class T>
  friend struct detail::term_convert;

  [[nodiscard]] static bool equal_slow(const term& a, const term& b) noexcept;
  [[nodiscard]] static std::strong_ordering compare(const term& a,
                                                    const term& b) noexcept;

  [[noreturn]] void throw_bad_access(std::string_view expected) const;
  [[noreturn]] static void throw_index_out_of_range();
  void init_unsigned(std::uint64_t v);
  void adopt(detail::tag t, detail::box* b) noexcept {
    tag_ = t;
    box_ = b;
  }
  [[nodiscard]] bool is_boxed() const noexcept {
    return tag_ >= detail::tag::big_int;
  }

  void copy_payload(const term& other) noexcept {
    if (tag_ == detail::tag::pid) {
      new (&pid_) pid(other.pid_);
    } else if (is_boxed()) {
      box_ = other.box_;
      if (box_)
        box_->add_ref();
    } else if (tag_ == detail::tag::float_) {
      float_ = other.float_;
    } else {
      word_ = other.word_; // nil, small int, atom, local ref
    }
  }
  /// Every payload is one word, and a pid is one intrusive pointer, which
  /// a move copies and clears: so a move copies the word whatever the kind
  /// and leaves `other` nil, with no branch (GCC reads a union member other
  /// than the one last written as its bits). Moves are everywhere, and
  /// this keeps them small enough to inline.
  void steal_payload(term& other) noexcept {
    static_assert(sizeof(pid) == sizeof(std::uint64_t) &&
                  sizeof(detail::box*) == sizeof(std::uint64_t) &&
                  sizeof(double) == sizeof(std::uint64_t));
    word_ = other.word_;
    other.tag_ = detail::tag::nil;
    other.word_ = 0;
  }
  void release() noexcept {
    if (tag_ == detail::tag::pid)
      pid_.~pid();
    else if (is_boxed() && box_)
      box_->release();
  }

  // `word_` holds nil (0), small integers (two's complement), atom indices
  // and local ref counters, so equality compares one word for all four.
  union {
    std::uint64_t word_;
    double float_;
    detail::box* box_;
    pid pid_;
  };
  detail::tag tag_;
};

static_assert(sizeof(term) == 16, "a term is a payload word and a tag");

/// A map's key and value.
struct map_entry {
  term key;
  term value;
};

/// The elements of a list, front to back (the tail of an improper list is
/// not an element: see `tail()`). Iterators point into the cells, so the
/// list must outlive them.
class list_view {
public:
  class iterator {
  public:
    using value_type = term;
    using difference_type = std::ptrdiff_t;
    using reference = const term&;
    using pointer = const term*;
    using iterator_category = std::forward_iterator_tag;

    iterator() noexcept = default;
    explicit iterator(const term* at) noexcept : at_(at) {}

    [[nodiscard]] const term& operator*() const { return at_->head(); }
    [[nodiscard]] const term* operator->() const { return &at_->head(); }
    iterator& operator++() {
      at_ = &at_->tail();
      return *this;
    }
    iterator operator++(int) {
      auto old = *this;
      ++*this;
      return old;
    }
    friend bool operator==(const iterator& a, const iterator& b) noexcept {
      return a.at_end() ? b.at_end() : a.at_ == b.at_;
    }

  private:
    [[nodiscard]] bool at_end() const noexcept {
      return at_ == nullptr || !at_->is_cons();
    }
    const term* at_ = nullptr;
  };

  explicit list_view(const term& list) noexcept : list_(&list) {}

  [[nodiscard]] iterator begin() const noexcept { return iterator{list_}; }
  [[nodiscard]] iterator end() const noexcept { return iterator{}; }
  [[nodiscard]] bool empty() const noexcept { return !list_->is_cons(); }
  /// Number of elements. O(length).
  [[nodiscard]] std::size_t size() const noexcept;
  /// What follows the last element: `[]` for a proper list.
  [[nodiscard]] const term& tail() const noexcept;

private:
  const term* list_;
};

/// A map's entries in Erlang's map key order.
class map_view {
public:
  map_view(const map_entry* first, std::size_t n) noexcept
      : first_(first), size_(n) {}
  [[nodiscard]] const map_entry* begin() const noexcept { return first_; }
  [[nodiscard]] const map_entry* end() const noexcept { return first_ + size_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

private:
  const map_entry* first_;
  std::size_t size_;
};

/// Erlang's `==`: numbers compare by value (`1 == 1.0`), also inside
/// tuples, lists and map values; map keys still compare exactly.
[[nodiscard]] bool equal(const term& a, const term& b) noexcept;

/// The term as `io_lib:format("~p")` prints it, on one line.
[[nodiscard]] std::string to_string(const term& t);
std::ostream& operator<<(std::ostream& os, const term& t);

inline void swap(term& a, term& b) noexcept {
  a.swap(b);
}

} // namespace otp

template <>
struct std::hash<otp::term> {
  std::size_t operator()(const otp::term& t) const noexcept { return t.hash(); }
};

/// `fmt::format("{}", t)` prints like `to_string(t)` (no format spec; only
/// fmt/core.h is needed, which keeps this header light).
template <>
struct fmt::formatter<otp::term> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  template <class FormatContext>
  auto format(const otp::term& t, FormatContext& ctx) const {
    auto out = ctx.out();
    for (char c : otp::to_string(t))
      *out++ = c;
    return out;
  }
};

#include "otp/detail/term_impl.hpp"
