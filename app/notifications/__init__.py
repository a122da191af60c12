"""Low-stock emails: who gets them and when (the company's settings), and the emails themselves."""
