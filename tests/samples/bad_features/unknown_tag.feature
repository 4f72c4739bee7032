Feature: division
  @undeclared
  Scenario: tagged
    Given a number
    When it is divided by 2
    Then there is a result
