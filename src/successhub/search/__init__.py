"""Text analysis and ranking for Chinese search and the smart customer-service bot."""
