"""The HTTP API (FastAPI) and the chat page (Gradio), both over one engine."""
