"""The AI Lifestyle API: goals, activities, progress and journal for a wellness app."""

__version__ = "0.1.0"
