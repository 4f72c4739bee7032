Feature: division
  Scenario: empty
