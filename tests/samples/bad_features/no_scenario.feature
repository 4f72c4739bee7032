Feature: nothing yet
  Prose, and no scenario.
