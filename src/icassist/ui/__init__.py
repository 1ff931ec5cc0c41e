"""The Streamlit app's building blocks, kept out of app.py so they can be unit-tested without a browser."""
