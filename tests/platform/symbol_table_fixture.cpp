// SPDX-License-Identifier: BSD-2-Clause
// A program for symbol_table_test: linked at a fixed address with line tables, and read by
// cmake/symbol_table.py as a component's image is. The markers name lines the test looks up.
namespace symbol_fixture {

[[gnu::noinline]] int leaf(int x) {
    return x * 3 + 1; // marker: leaf body
}

[[gnu::noinline]] int caller(int x) {
    return leaf(x) + 2; // marker: caller body
}

} // namespace symbol_fixture

int main(int argc, char**) {
    return symbol_fixture::caller(argc);
}
