"""Working-capital advances for stores, offered from their credit score and repaid from their sales."""
