"""Layout assignment for whole TTGIR functions (API.md "Layout assignment")."""
