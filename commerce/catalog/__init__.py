"""The catalog: categories, products with variants and stock, service slots, browse and search."""
