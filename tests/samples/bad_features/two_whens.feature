Feature: division
  Scenario: halving twice
    Given a number
    When it is divided by 2
    And it is divided by 2
    Then there is a result
