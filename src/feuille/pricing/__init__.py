"""The pure pricing engine: invoice + coverage + tables + date -> priced lines and a trace."""
