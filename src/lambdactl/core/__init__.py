"""The resource core: who owns what (ownership), and the one executor that writes."""
