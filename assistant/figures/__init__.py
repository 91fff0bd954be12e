"""Figures in text: Chinese and Western numerals, quantities with units, dates and date spans."""
