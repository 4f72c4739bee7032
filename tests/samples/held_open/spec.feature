Feature: division
  Scenario: halving
    Given the run is held open
    When it is divided by 2
    Then there is a result
